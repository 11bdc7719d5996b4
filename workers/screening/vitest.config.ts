import { workerProject } from "../../test/support/worker-project.ts";

export default workerProject("screening", { configPath: "./wrangler.toml" });
