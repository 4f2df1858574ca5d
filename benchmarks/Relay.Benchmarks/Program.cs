using AiCdn.Relay.Benchmarks;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Relay.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(FailoverBodyBenchmarks).Assembly).Run(args);
