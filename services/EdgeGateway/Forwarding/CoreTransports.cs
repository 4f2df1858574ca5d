namespace AiCdn.EdgeGateway.Forwarding;

public static class CoreTransports
{
    public static bool TryParse(string? value, out CoreTransport transport)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "http1" or "http1.1" or "http/1.1" or "":
            case null:
                transport = CoreTransport.Http1;
                return true;
            case "h2c":
                transport = CoreTransport.H2c;
                return true;
            case "h2" or "https":
                transport = CoreTransport.H2;
                return true;
            default:
                transport = default;
                return false;
        }
    }

    public static CoreTransport Parse(string? value) =>
        TryParse(value, out var transport) ? transport : throw new FormatException($"'{value}' is not http1, h2c or h2.");
}
