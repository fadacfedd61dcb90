// lambda-local-worker: one execution environment; started by lambda-local with
// its end of the protocol socket as file descriptor 3.
#include "runtime/worker/worker.hpp"

int main() { return lambda_local::worker::run_worker(3); }
