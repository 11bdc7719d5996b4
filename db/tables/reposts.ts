// Tables of the reposts worker (spread counting) are declared here.
export {};
