import { workerProject } from "../../test/support/worker-project";

export default workerProject("moderation", { configPath: "./wrangler.toml" });
