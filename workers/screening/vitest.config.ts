import { workerProject } from "../../test/support/worker-project";

export default workerProject("screening", { configPath: "./wrangler.toml" });
