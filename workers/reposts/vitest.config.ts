import { workerProject } from "../../test/support/worker-project";

export default workerProject("reposts", { configPath: "./wrangler.toml" });
