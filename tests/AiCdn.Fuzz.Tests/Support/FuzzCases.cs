using System.Text;
using AiCdn.Testing;
using CsCheck;

namespace AiCdn.Fuzz.Tests.Support;

/// <summary>
/// Generators of malformed requests: every public route of the edge, the admin API, and WebSocket
/// chat messages. Each starts from something plausible and breaks it the ways careless clients and
/// attackers do (wrong types, cut or invalid bodies, lone surrogates, duplicate fields, odd
/// methods, paths, content types and header values).
/// </summary>
public static class FuzzCases
{
    public const string WrongKey = "sk-aicdn-fuzz-wrong-key-000000000000";

    private static readonly string[] s_apiPaths =
    [
        "/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/models", "/v1/models/mock-gpt",
        "/v1/models/..%2f..%2fetc", "/v1/streams/s_core_0123456789abcdef01234567", "/v1/streams/nonsense", "/v1/files",
        "/v1/chat/completions/", "/v1//chat//completions", "/v1", "/", "/favicon.ico", "/.env", "/v1/%00", "/v1/ünïcödé",
        "/v1/chat/completions?api_key=" + WrongKey, "/v1/models?limit=-1&after=%ff", "/admin/keys", "/internal/v1/authorize",
        "/metrics", "/health", "/v1/realtime", "/v1/ws/chat",
    ];

    private static readonly string[] s_methods = ["GET", "POST", "POST", "POST", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "FOO", "PROPFIND"];

    private static readonly string?[] s_contentTypes =
    [
        "application/json", "application/json", "application/json", null, "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/vnd.api+json", ";;;", "application/json; charset=\"",
    ];

    private static readonly string[] s_authorizations =
    [
        "Bearer " + Chain.ApiKey, "Bearer " + Chain.ApiKey, "Bearer " + WrongKey, "Bearer ", "Basic dXNlcjpwYXNz", "Bearer sk-aicdn-ключ",
        "bearer " + Chain.ApiKey, "Bearer  " + Chain.ApiKey + " ", "Bearer " + new string('k', 3000), "Token x",
    ];

    private static readonly (string Name, string Value)[] s_extraHeaders =
    [
        ("Last-Event-ID", "s_core_0123456789abcdef01234567.5"), ("Last-Event-ID", "garbage"), ("Last-Event-ID", "s_.-1"),
        ("x-aicdn-resumable", "false"), ("x-aicdn-resumable", "maybe"), ("X-Forwarded-For", "not-an-ip, 999.1.1.1"),
        ("User-Agent", "MyApp/1.0 (Zürich)"), ("X-Note", "naïve ☕ 日本"), ("Accept", "*/*;q=garbage"), ("Content-Encoding", "gzip"),
        ("x-aicdn-signature", "v2,t=1,k=0123456789abcdef,n=1,s=AAAA"), ("OpenAI-Organization", "org-other"), ("x-mock-fault", "500"),
        ("x-request-id", new string('r', 500)), ("Expect", "100-continue"), ("Accept-Encoding", "br, gzip, zstd"),
    ];

    private static readonly string[] s_baseBodies =
    [
        """{"model":"mock-gpt","max_tokens":3,"messages":[{"role":"user","content":"hi"}]}""",
        """{"model":"mock-gpt","stream":true,"max_tokens":3,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there"}]}""",
        """{"model":"mock-gpt","max_tokens":2,"n":2,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}""",
        """{"model":"mock-gpt","max_tokens":3,"prompt":["a","b"]}""",
        """{"model":"mock-embedding","input":["one two","three",[1,2,3]]}""",
        """{"model":"mock-gpt","max_output_tokens":3,"input":[{"role":"user","content":[{"type":"input_text","text":"hi"}]}]}""",
        """{"model":"mock-gpt","stream":true,"stream_options":{"include_usage":false},"max_tokens":2,"messages":[{"role":"user","content":"x"}]}""",
    ];

    private static readonly string[] s_badValues =
    [
        "5", "\"\"", "null", "true", "[]", "{}", "-1", "1e999", "99999999999999999999", "\"\\ud800\"", "\"a\\udc00b\"", "\"\\u0000\"",
        "\"" + new string('A', 5000) + "\"", "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]", "\"7\"", "0.5", "\"mock-gpt\"",
    ];

    private static readonly string[] s_fields = ["model", "messages", "stream", "max_tokens", "n", "best_of", "stream_options", "input", "prompt", "user", "tools", "max_completion_tokens"];

    /// <summary>A body: a plausible one, or one broken in one of many ways.</summary>
    public static readonly Gen<byte[]?> Body =
        Gen.Frequency(
            (3, Gen.OneOf(s_baseBodies).Select(b => (byte[]?)Encoding.UTF8.GetBytes(b))),
            (2, Gen.Select(Gen.OneOf(s_baseBodies), Gen.Int[0, 200], (b, cut) => (byte[]?)Encoding.UTF8.GetBytes(b[..Math.Min(cut, b.Length)]))),
            (2, Gen.Select(Gen.OneOf(s_fields), Gen.OneOf(s_badValues), Gen.OneOf(s_baseBodies), (field, value, b) => (byte[]?)Encoding.UTF8.GetBytes(ReplaceOrAdd(b, field, value)))),
            (1, Gen.Select(Gen.OneOf(s_fields), Gen.OneOf(s_baseBodies), (field, b) => (byte[]?)Encoding.UTF8.GetBytes(b.Insert(1, $"\"{field}\":{(field == "model" ? "\"gpt-4o\"" : "1")},")))),
            (1, Gen.Select(Gen.OneOf(s_baseBodies), Gen.Int[1, 60], InvalidUtf8)),
            (1, Gen.Byte.Array[0, 300].Select(bytes => (byte[]?)bytes)),
            (1, Gen.Int[1, 400].Select(depth => (byte[]?)Encoding.UTF8.GetBytes("{\"model\":\"mock-gpt\",\"messages\":" + new string('[', depth) + new string(']', depth) + "}"))),
            (1, Gen.OneOf("[]", "\"x\"", "null", "0", "{}", "{", "}", "{\"model\":\"mock-gpt\"} {}", "{\"model\":\"mock-gpt\",}", "\uFEFF{\"model\":\"mock-gpt\"}").Select(b => (byte[]?)Encoding.UTF8.GetBytes(b))),
            (1, Gen.Const((byte[]?)null)));

    /// <summary>A request to one of the edge's routes (and the paths around them).</summary>
    public static readonly Gen<FuzzRequest> EdgeRequest =
        Gen.Select(Gen.OneOf(s_methods), Gen.OneOf(s_apiPaths), Gen.OneOf(s_authorizations).Null(0.1), Gen.OneOf(s_contentTypes), Gen.OneOf(s_extraHeaders).Array[0, 3], Body)
            .Select(t =>
            {
                var (method, path, authorization, contentType, extra, body) = t;
                var headers = new List<KeyValuePair<string, string>>();
                if (authorization is not null)
                {
                    headers.Add(new("Authorization", authorization));
                }

                if (contentType is not null && body is not null)
                {
                    headers.Add(new("Content-Type", contentType));
                }

                headers.AddRange(extra.DistinctBy(h => h.Name).Select(h => new KeyValuePair<string, string>(h.Name, h.Value)));
                return new FuzzRequest(method, path, headers, method is "GET" or "HEAD" && body is not null && body.Length % 3 != 0 ? null : body);
            });

    /// <summary>A body for the admin API.</summary>
    private static readonly Gen<byte[]?> AdminBody =
        Gen.Frequency(
            (2, Gen.OneOf(
                """{"tenant":"default","name":"fuzz"}""",
                """{"tenant":"default","limits":{"requests_per_minute":5}}""",
                """{"enabled":false}""",
                """{"tenant":"default","models":["mock-gpt"],"expires_at":"2030-01-01T00:00:00Z"}""").Select(b => (byte[]?)Encoding.UTF8.GetBytes(b))),
            (2, Gen.Select(Gen.OneOf("tenant", "name", "limits", "models", "expires_at", "enabled", "key", "id"), Gen.OneOf(s_badValues),
                (field, value) => (byte[]?)Encoding.UTF8.GetBytes(ReplaceOrAdd("""{"tenant":"default","name":"fuzz"}""", field, value)))),
            (1, Gen.Select(Gen.OneOf("""{"tenant":"default","name":"fuzz"}"""), Gen.Int[1, 20], InvalidUtf8)),
            (1, Gen.Byte.Array[0, 200].Select(bytes => (byte[]?)bytes)),
            (1, Gen.Const((byte[]?)null)));

    /// <summary>A request to auth-quota's admin API, with and without its token.</summary>
    public static readonly Gen<FuzzRequest> AdminRequest =
        Gen.Select(
                Gen.OneOf("GET", "POST", "POST", "PATCH", "DELETE", "PUT"),
                Gen.OneOf("/admin/keys", "/admin/keys/key_0123456789abcdef", "/admin/keys/key_0123456789abcdef/usage", "/admin/keys/%00", "/admin/keys/" + new string('x', 300), "/admin", "/admin/v1/tenants"),
                Gen.OneOf<string?>("Bearer " + Chain.AdminToken, "Bearer " + Chain.AdminToken, "Bearer wrong-admin-token-000", null, "Bearer " + Chain.ApiKey),
                AdminBody)
            .Select(t =>
            {
                var (method, path, authorization, body) = t;
                var headers = new List<KeyValuePair<string, string>>();
                if (authorization is not null)
                {
                    headers.Add(new("Authorization", authorization));
                }

                if (body is not null)
                {
                    headers.Add(new("Content-Type", "application/json"));
                }

                return new FuzzRequest(method, path, headers, method is "GET" or "DELETE" ? null : body);
            });

    /// <summary>A WebSocket chat message: a request, a cancel, or something broken.</summary>
    public static readonly Gen<string> WebSocketMessage =
        Gen.Frequency(
            (3, Gen.Select(Gen.Int[0, 50], Gen.OneOf(s_baseBodies[0], s_baseBodies[2]), (id, b) => b.Insert(1, $"\"id\":\"q{id}\","))),
            (1, Gen.Int[0, 50].Select(id => $"{{\"type\":\"cancel\",\"id\":\"q{id}\"}}")),
            (2, Gen.Select(Gen.OneOf(s_fields), Gen.OneOf(s_badValues), (field, value) => ReplaceOrAdd(s_baseBodies[0], field, value))),
            (1, Gen.Select(Gen.OneOf(s_baseBodies[0]), Gen.Int[0, 80], (b, cut) => b[..Math.Min(cut, b.Length)])),
            (1, Gen.OneOf("[]", "null", "\"x\"", "{}", "{\"id\":" + new string('9', 400) + "}", "{\"id\":{\"a\":1}}", "{\"type\":\"nonsense\"}", "{\"id\":\"\\ud800\",\"model\":\"mock-gpt\"}")));

    /// <summary>Sets <paramref name="field"/> of a JSON object to <paramref name="value"/> (added in front when absent), by text, so the result may be anything.</summary>
    private static string ReplaceOrAdd(string json, string field, string value)
    {
        var marker = $"\"{field}\":";
        var at = json.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return json.Insert(1, marker + value + ",");
        }

        var start = at + marker.Length;
        var end = ValueEnd(json, start);
        return json[..start] + value + json[end..];
    }

    /// <summary>Where the JSON value starting at <paramref name="start"/> ends (enough for the bodies above).</summary>
    private static int ValueEnd(string json, int start)
    {
        var depth = 0;
        var inString = false;
        for (var i = start; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                    if (depth == 0)
                    {
                        return i + 1;
                    }
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '[' or '{':
                    depth++;
                    break;
                case ']' or '}':
                    if (depth == 0)
                    {
                        return i;
                    }

                    depth--;
                    if (depth == 0)
                    {
                        return i + 1;
                    }

                    break;
                case ',' when depth == 0:
                    return i;
            }
        }

        return json.Length;
    }

    private static byte[]? InvalidUtf8(string json, int at)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var position = Math.Min(at, bytes.Length);
        return [.. bytes[..position], 0xC3, 0x28, 0xFF, .. bytes[position..]];
    }
}
