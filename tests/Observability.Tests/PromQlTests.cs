using AiCdn.Observability.Tests.Support;

namespace AiCdn.Observability.Tests;

public sealed class PromQlTests
{
    [Fact]
    public void MetricNames_Expression_FindsSelectorsNotFunctionsOrLabels()
    {
        var names = PromQl.MetricNames(
            """sum by (job, instance) (rate(dotnet_process_cpu_time_seconds_total[5m])) / on (job, instance) max by (job, instance) (dotnet_process_cpu_count{service="core-relay"}) > 0.8 and up{job=~"x"}""");

        Assert.Equal(["dotnet_process_cpu_count", "dotnet_process_cpu_time_seconds_total", "up"], names.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void WithoutGrafanaVariables_Query_BecomesParseablePromQl()
    {
        Assert.Equal(
            """rate(aicdn_requests_total{job=~".+"}[1m])""",
            PromQl.WithoutGrafanaVariables("""rate(aicdn_requests_total{job=~"$job"}[$__rate_interval])"""));
    }

    [Fact]
    public void Parse_ExpositionText_ReadsNamesLabelsAndValues()
    {
        var scrape = Scrape.Parse("""
            # TYPE aicdn_requests_total counter
            aicdn_requests_total{otel_scope_name="AiCdn.Edge",route="chat_completions",status_class="2xx"} 3
            aicdn_requests_total{otel_scope_name="AiCdn.Edge",route="other",status_class="4xx"} 2 1700000000000
            aicdn_x_bucket{le="+Inf",note="a \"quoted\", value"} 1e3
            process_up 1
            """);

        Assert.Equal(5, scrape.Sum("aicdn_requests_total"));
        Assert.Equal(3, scrape.Sum("aicdn_requests_total", ("status_class", "2xx")));
        Assert.Equal(1000, scrape.Sum("aicdn_x_bucket", ("note", "a \"quoted\", value")));
        Assert.Equal(1, scrape.Sum("process_up"));
        Assert.Equal(0, scrape.Sum("aicdn_requests_total", ("status_class", "5xx")));
    }
}
