import { workerProject } from "../../test/support/worker-project";

export default workerProject("registration", { configPath: "./wrangler.toml" });
