using AiCdn.LoadTool.Cli;
using Spectre.Console.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C stops the run cleanly (streams are closed, results still written); a second one kills.
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("aicdn-load");
    config.AddCommand<StreamsCommand>("streams").WithDescription("Hold N concurrent slow SSE streams; verify every chunk; memory per open stream.");
    config.AddCommand<RateCommand>("rate").WithDescription("Open-model load at a fixed arrival rate; TTFT and latency percentiles, errors by status.");
    config.AddCommand<OverheadCommand>("overhead").WithDescription("Origin vs chain, interleaved: added time to first token and inter-chunk gap.");
    config.AddCommand<ChaosCommand>("chaos").WithDescription("The fault suite: kills, restarts and stalls hops of a chain it starts, while holding streams; prints what clients saw.");
    config.AddCommand<MergeCommand>("merge").WithDescription("Merge the JSON results of several shards of one run.");
    config.AddCommand<ReportCommand>("report").WithDescription("Table and HTML report of several runs, with ratios to a baseline.");
});

return await app.RunAsync(args, cancel.Token);
