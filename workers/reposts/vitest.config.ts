import { workerProject } from "../../test/support/worker-project.ts";

export default workerProject("reposts", { configPath: "./wrangler.toml" });
