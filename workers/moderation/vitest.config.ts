import { workerProject } from "../../test/support/worker-project.ts";

export default workerProject("moderation", { configPath: "./wrangler.toml" });
