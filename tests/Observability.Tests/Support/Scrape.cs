using System.Globalization;
using System.Text;

namespace AiCdn.Observability.Tests.Support;

/// <summary>A parsed <c>/metrics</c> page (Prometheus text exposition format 0.0.4).</summary>
internal sealed class Scrape
{
    private Scrape(string text, IReadOnlyList<Sample> samples)
    {
        Text = text;
        Samples = samples;
    }

    public string Text { get; }

    public IReadOnlyList<Sample> Samples { get; }

    public IReadOnlySet<string> Names => Samples.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    public static async Task<Scrape> GetAsync(Uri baseAddress)
    {
        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {baseAddress}metrics answered {(int)response.StatusCode}: {text}");
        return Parse(text);
    }

    public static Scrape Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            samples.Add(ParseLine(line));
        }

        return new Scrape(text, samples);
    }

    /// <summary>The sum of every sample of <paramref name="name"/> carrying all of <paramref name="labels"/>; 0 when none does.</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && s.Has(labels)).Sum(s => s.Value);

    public IEnumerable<Sample> All(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && s.Has(labels));

    private static Sample ParseLine(string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var brace = line.IndexOf('{', StringComparison.Ordinal);
        string name;
        int rest;
        if (brace < 0)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            name = line[..space];
            rest = space;
        }
        else
        {
            name = line[..brace];
            rest = ParseLabels(line, brace + 1, labels);
        }

        // "value [timestamp]"
        var fields = line[rest..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var value = fields[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var number => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, value);
    }

    /// <summary>Reads <c>a="x",b="y\"z"}</c>; returns the index after the closing brace.</summary>
    private static int ParseLabels(string line, int index, Dictionary<string, string> labels)
    {
        while (line[index] != '}')
        {
            var equals = line.IndexOf('=', index);
            var label = line[index..equals].Trim().TrimStart(',').Trim();
            index = equals + 2; // past ="
            var value = new StringBuilder();
            while (line[index] != '"')
            {
                if (line[index] == '\\')
                {
                    index++;
                    value.Append(line[index] switch { 'n' => '\n', var c => c });
                }
                else
                {
                    value.Append(line[index]);
                }

                index++;
            }

            labels[label] = value.ToString();
            index++; // past the closing quote
            if (line[index] == ',')
            {
                index++;
            }
        }

        return index + 1;
    }
}
