using System.Globalization;
using System.Text;

namespace AiCdn.LoadTool.Chaos;

/// <summary>The chaos table, as Markdown (BENCHMARKS.md) and plain text (the console).</summary>
public static class ChaosReport
{
    public static string Markdown(IReadOnlyList<ChaosPhaseResult> results, ChaosOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{options.Streams} streams per fault ({options.TokensPerStream} tokens, one every {options.TokenIntervalMs} ms), {options.BackgroundRate:0} background requests/s, {options.Keys} keys; chain: 2 edges, 2 cores (h2c), auth-quota, Redis, llm-mock.");
        text.AppendLine();
        text.AppendLine("| fault | complete, byte-exact | ended with an explicit error | cut (visible) | **silent truncations** | **duplicated** | altered | new requests (failed) | lost in flight | **refused with a healthy path** | recovery | keys settled = origin produced |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var usage = r.KeysSettledExactly is { } exact ? $"{exact} of {r.Keys}" + (r.KeysSettledExactly == r.Keys ? string.Empty : $" ({r.KeysUndercharged} undercharged; {r.TokensSettledMinusProduced:+#;-#;0} tokens in all)") : "n/a";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Fault}: {ChaosFaults.Describe(r.Fault, options.OriginStall)} | {r.Complete} | {r.ExplicitError} | {r.Cut} | {r.SilentTruncations} | {r.Duplicated} | {r.Altered} | {r.BackgroundSent} ({r.BackgroundFailed}) | {r.LostInFlight} | {r.RefusedWithHealthyPath} | {r.Recovery.TotalSeconds:0.0} s | {usage} |");
        }

        text.AppendLine();
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"- {r.Fault}: streams other than complete: {(r.Endings.Length == 0 ? "none" : r.Endings)}; failed new requests: {(r.BackgroundEndings.Length == 0 ? "none" : r.BackgroundEndings)}; usage: {r.UsageNote}.");
        }

        return text.ToString();
    }
}
