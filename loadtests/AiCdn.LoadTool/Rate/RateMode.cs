namespace AiCdn.LoadTool.Rate;

/// <summary>Whether the <c>rate</c> scenario asks for streamed completions, whole ones, or alternates.</summary>
public enum RateMode
{
    Stream,
    Whole,
    Mixed,
}
