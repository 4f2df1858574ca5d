namespace AiCdn.Quota;

/// <summary>The eight readings of one reservation: four limits for the key, four for its tenant.</summary>
public sealed class QuotaReadings
{
    private readonly LimitReading[] _readings;

    public QuotaReadings(LimitReading[] readings)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(readings.Length, Count);
        _readings = readings;
    }

    public const int Count = 8;

    public LimitReading this[LimitScope scope, LimitKind kind] => _readings[Index(scope, kind)];

    public static int Index(LimitScope scope, LimitKind kind) => ((int)scope * 4) + (int)kind;

    public IEnumerable<(LimitScope Scope, LimitKind Kind, LimitReading Reading)> All()
    {
        foreach (var scope in new[] { LimitScope.Key, LimitScope.Tenant })
        {
            foreach (var kind in LimitNames.Kinds)
            {
                yield return (scope, kind, this[scope, kind]);
            }
        }
    }
}
