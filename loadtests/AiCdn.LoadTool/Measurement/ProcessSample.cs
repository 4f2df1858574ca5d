namespace AiCdn.LoadTool.Measurement;

/// <summary>One reading of a process: resident memory, CPU time consumed so far, open descriptors.</summary>
public readonly record struct ProcessSample(bool Alive, long RssBytes, TimeSpan CpuTime, int OpenFiles);
