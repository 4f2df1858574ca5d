// The chain tests host four services in this one process, and every OpenTelemetry provider in a
// process listens to every meter named AiCdn.*: two chains at once would count each other's
// requests and break the exact counts. So the tests of this assembly run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
