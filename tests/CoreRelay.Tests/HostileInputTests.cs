using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AiCdn.Common.Security;
using AiCdn.Testing;
using AiCdn.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.CoreRelay.Tests;

/// <summary>
/// What an attacker or a careless client sends gets a cheap, clear answer, and no body gets around
/// the key's limits, whatever it looks like or claims to be.
/// </summary>
public sealed class HostileInputTests
{
    /// <summary>Far above what the fixed code needs (well under a second), far below what counting a long run of one character once cost (minutes).</summary>
    private static readonly TimeSpan s_generous = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData("A")]
    [InlineData(" ")]
    [InlineData("😀")]
    public async Task WrongKey_HugeRunOfOneCharacter_RefusedWithoutCountingIt(string character)
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();
        var content = string.Concat(Enumerable.Repeat(character, 400_000 / character.Length));

        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(Chat("sk-aicdn-not-a-key", content));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", await ErrorCodeAsync(response));
        Assert.True(clock.Elapsed < s_generous, $"a wrong key with a 400,000-character prompt took {clock.Elapsed}");
    }

    [Fact]
    public async Task WrongKey_LargeBody_NothingOfItIsCounted()
    {
        var tokenizer = new CountingTokenizer(TokenCounter.Default.Tokenizer);
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = services => services.AddSingleton(new TokenCounter(tokenizer)) });
        using var client = chain.CreateEdgeClient();

        using var wrongKey = await client.SendAsync(Chat("sk-aicdn-not-a-key", new string('x', 100_000)));
        var countedForStranger = tokenizer.Characters;
        using var rightKey = await client.SendAsync(Chat(Chain.ApiKey, new string('x', 100_000)));

        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(0, countedForStranger);
        Assert.Equal(HttpStatusCode.OK, rightKey.StatusCode);
        Assert.True(tokenizer.Characters >= 100_000, "a valid key's prompt is counted");
    }

    [Theory]
    [InlineData("A")]
    [InlineData("ab")]
    [InlineData("日本")]
    [InlineData("😀")]
    [InlineData(" \n")]
    public async Task ValidKey_FourMebibytesOfAnyText_BoundedWorkAndServed(string pattern)
    {
        await using var chain = await Chain.StartAsync(new ChainSettings { Core = { ["CoreRelay:MaxRequestBodyBytes"] = "8388608" }, Edge = { ["Edge:Limits:MaxRequestBodySize"] = "8388608" } });
        using var client = chain.CreateEdgeClient();
        var chars = (4 * 1024 * 1024) / Encoding.UTF8.GetByteCount(pattern) * pattern.Length;
        var content = string.Concat(Enumerable.Repeat(pattern, chars / pattern.Length));

        // Written as UTF-8, not \u-escaped, so 4 MiB of body is 4 MiB of text.
        const string Prefix = "{\"model\":\"mock-gpt\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"";
        var body = Encoding.UTF8.GetBytes(Prefix + content.Replace("\n", "\\n", StringComparison.Ordinal) + "\"}]}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Chain.ApiKey);

        var clock = Stopwatch.StartNew();
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"a 4 MiB prompt of '{pattern}' took {clock.Elapsed} through the chain");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/xml")]
    [InlineData("json")]
    public async Task BodyThatIsNotLabelledJson_Is415AndNeverForwarded(string contentType)
    {
        var settlements = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = settlements.AddTo });
        using var client = chain.CreateEdgeClient();
        using var request = Chat(Chain.ApiKey, "hi");
        request.Content!.Headers.Remove("Content-Type");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", await ErrorCodeAsync(response));
        Assert.Empty(settlements.Settled);
    }

    [Fact]
    public async Task RestrictedKey_BodyWithoutContentType_HeldToItsModelsStreamsAndTokens()
    {
        var settlements = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = settlements.AddTo });
        var key = await chain.CreateKeyAsync("""{"tenant":"default","models":["mock-gpt"],"limits":{"max_concurrent_streams":1,"tokens_per_day":200}}""");
        using var client = chain.CreateEdgeClient();

        using var otherModel = await client.SendAsync(Unlabelled(key, """{"model":"gpt-4o","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""));
        using var tooMuch = await client.SendAsync(Unlabelled(key, """{"model":"mock-gpt","max_tokens":2000,"messages":[{"role":"user","content":"hi"}]}"""));

        // Two slow streams at once on a one-stream key: the second is refused while the first runs.
        using var first = Unlabelled(key, """{"model":"mock-gpt","stream":true,"max_tokens":20,"messages":[{"role":"user","content":"hi"}]}""");
        first.Headers.Add("x-mock-token-interval-ms", "200");
        using var firstResponse = await client.SendAsync(first, HttpCompletionOption.ResponseHeadersRead);
        using var second = await client.SendAsync(Unlabelled(key, """{"model":"mock-gpt","stream":true,"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.Forbidden, otherModel.StatusCode);
        Assert.Equal("model_not_allowed", await ErrorCodeAsync(otherModel));
        Assert.Equal(HttpStatusCode.TooManyRequests, tooMuch.StatusCode);
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);

        await firstResponse.Content.ReadAsStringAsync();
        var settled = await settlements.WaitForCountAsync(1);
        Assert.True(settled.PromptTokens > 0, "the unlabelled body's prompt was charged");
    }

    /// <summary>
    /// An origin charges tool definitions and earlier tool calls as prompt tokens, so they count
    /// towards the reservation like the messages do. Without them a key allowed 200 tokens a day
    /// could send a prompt of any size in a tool's description, reserving a few tokens for it, and
    /// as many such requests as it could start before the first settled.
    /// </summary>
    [Theory]
    [InlineData("tools")]
    [InlineData("functions")]
    [InlineData("tool_calls")]
    public async Task RestrictedKey_PromptHiddenInToolsOrToolCalls_CountsAgainstItsTokens(string where)
    {
        var settlements = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = settlements.AddTo });
        var key = await chain.CreateKeyAsync("""{"tenant":"default","limits":{"tokens_per_day":200}}""");
        using var client = chain.CreateEdgeClient();
        var hidden = JsonSerializer.Serialize(string.Join(' ', Enumerable.Repeat("lorem ipsum dolor", 1_000)));
        var body = where switch
        {
            "tools" => """{"model":"mock-gpt","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","description":HIDDEN,"parameters":{"type":"object"}}}]}""",
            "functions" => """{"model":"mock-gpt","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"functions":[{"name":"f","description":HIDDEN}]}""",
            _ => """{"model":"mock-gpt","max_tokens":5,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":HIDDEN}}]},{"role":"tool","tool_call_id":"c1","content":"ok"}]}""",
        };

        using var response = await client.SendAsync(Unlabelled(key, body.Replace("HIDDEN", hidden, StringComparison.Ordinal)));

        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("rate_limit_exceeded", await ErrorCodeAsync(response));
        Assert.Empty(settlements.Settled);
    }

    /// <summary>
    /// The origin charges each image of a prompt (85 tokens at the least), not the length of its
    /// URL. Counted as text, a hundred tiny image parts passed as a few tokens of prompt.
    /// </summary>
    [Fact]
    public async Task RestrictedKey_ManyImageParts_CountAgainstItsTokens()
    {
        var settlements = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = settlements.AddTo });
        var key = await chain.CreateKeyAsync("""{"tenant":"default","limits":{"tokens_per_day":2000}}""");
        using var client = chain.CreateEdgeClient();
        var images = string.Join(',', Enumerable.Repeat("""{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}""", 100));
        var body = """{"model":"mock-gpt","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"what are these?"},IMAGES]}]}""";

        using var response = await client.SendAsync(Unlabelled(key, body.Replace("IMAGES", images, StringComparison.Ordinal)));

        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("rate_limit_exceeded", await ErrorCodeAsync(response));
        Assert.Empty(settlements.Settled);
    }

    /// <summary>
    /// The origin charges audio by its duration (10 tokens a second). Its base64 data is neither
    /// text nor an image, so a prompt of 2 MB of audio (about 47 s of 16 kHz WAV, 469 tokens by the
    /// core's estimate) was reserved as the few tokens of its text.
    /// </summary>
    [Fact]
    public async Task RestrictedKey_LargeAudioPart_CountsAgainstItsTokens()
    {
        var settlements = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = settlements.AddTo });
        var key = await chain.CreateKeyAsync("""{"tenant":"default","limits":{"tokens_per_day":200}}""");
        using var client = chain.CreateEdgeClient();
        var audio = new string('A', 2_000_000);
        var body = $$$"""{"model":"mock-gpt","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"what is said?"},{"type":"input_audio","input_audio":{"data":"{{{audio}}}","format":"wav"}}]}]}""";

        using var response = await client.SendAsync(Unlabelled(key, body));

        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("rate_limit_exceeded", await ErrorCodeAsync(response));
        Assert.Empty(settlements.Settled);
    }

    /// <summary>
    /// A completion limit below one reserved nothing for the completion, and an origin that reads
    /// it as "no limit" (llama.cpp's and Ollama's -1) then generates without bound on a reservation
    /// of the prompt alone. The core refuses it, as OpenAI does, before anything is reserved.
    /// </summary>
    [Theory]
    [InlineData("max_tokens", -1)]
    [InlineData("max_tokens", 0)]
    [InlineData("max_completion_tokens", -1)]
    public async Task TokenLimitBelowOne_Is400BeforeAnythingIsReserved(string field, int value)
    {
        await using var origin = await AuthorizationEchoOrigin.StartAsync();
        var settlements = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = settlements.AddTo, Core = { ["CoreRelay:Origins"] = origin.Url } });
        using var client = chain.CreateEdgeClient();
        var body = $$"""{"model":"mock-gpt","{{field}}":{{value}},"messages":[{"role":"user","content":"hi"}]}""";

        using var response = await client.SendAsync(Unlabelled(Chain.ApiKey, body));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_value", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(field, json.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Empty(origin.HeaderNames);
        Assert.Empty(settlements.Settled);
    }

    /// <summary>
    /// <c>n</c> (or <c>best_of</c>) below one was read as one and the request went on, to an origin
    /// that may read it otherwise (0 as "the default", which the estimate need not match); above 128
    /// it reserved 129 completions and more. OpenAI answers 400 for either, and so does the core,
    /// before anything is reserved.
    /// </summary>
    [Theory]
    [InlineData("n", 0)]
    [InlineData("n", -1)]
    [InlineData("n", 129)]
    [InlineData("best_of", 0)]
    [InlineData("best_of", -5)]
    [InlineData("best_of", 129)]
    public async Task ChoicesOutOfRange_Is400BeforeAnythingIsReserved(string field, int value)
    {
        await using var origin = await AuthorizationEchoOrigin.StartAsync();
        var settlements = new SettlementRecorder();
        await using var chain = await Chain.StartAsync(new ChainSettings { CoreServices = settlements.AddTo, Core = { ["CoreRelay:Origins"] = origin.Url } });
        using var client = chain.CreateEdgeClient();
        var body = $$"""{"model":"mock-gpt","max_tokens":5,"{{field}}":{{value}},"messages":[{"role":"user","content":"hi"}]}""";

        using var response = await client.SendAsync(Unlabelled(Chain.ApiKey, body));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("invalid_value", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(field, error.GetProperty("param").GetString());
        Assert.Contains($"'{field}'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(origin.HeaderNames);
        Assert.Empty(settlements.Settled);
    }

    [Theory]
    [InlineData("""{"model":"mock-gpt","messages":[{"role":"user","content":"\ud800"}]}""")]
    [InlineData("""{"model":"mock-gpt","messages":[{"role":"user","content":"a\udc00b"}]}""")]
    [InlineData("""{"model":"mock-gpt","user":"\ud800","messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("""{"model":"mock-gpt","model":"gpt-4o","messages":[]}""")]
    [InlineData("""{"model":5,"messages":[]}""")]
    [InlineData("""{"model":"mock-gpt","stream":"true","messages":[]}""")]
    [InlineData("""{"model":"mock-gpt","max_tokens":"9","messages":[]}""")]
    [InlineData("""{"model":"mock-gpt","n":1.5,"messages":[]}""")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""")]
    [InlineData("")]
    public async Task MalformedBody_Is400JsonError_WhateverTheKey(string body)
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();
        foreach (var key in new[] { Chain.ApiKey, "sk-aicdn-not-a-key" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

            using var response = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(await ErrorCodeAsync(response), new[] { "invalid_json", "missing_required_parameter" });
        }
    }

    [Fact]
    public async Task RawInvalidUtf8_Is400()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();
        var prefix = Encoding.UTF8.GetBytes("""{"model":"mock-gpt","messages":[{"role":"user","content":"a""");
        var suffix = Encoding.UTF8.GetBytes("""b"}]}""");
        byte[] body = [.. prefix, 0xC3, 0x28, .. suffix];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Chain.ApiKey);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_json", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task SignatureReplayed_SecondUseIs403()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.Core.CreateClient();
        var signature = new ClusterSignature(Chain.ClusterSecret, TimeProvider.System);
        using var first = Chat(Chain.ApiKey, "hi");
        signature.Sign(first);
        var captured = first.Headers.GetValues(ClusterSignature.HeaderName).Single();

        using var served = await client.SendAsync(first);
        using var replay = Chat(Chain.ApiKey, "something else entirely");
        replay.Headers.TryAddWithoutValidation(ClusterSignature.HeaderName, captured);
        using var replayed = await client.SendAsync(replay);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, replayed.StatusCode);
    }

    [Theory]
    [InlineData("key")]
    [InlineData("query")]
    [InlineData("client")]
    public async Task SignatureForOneRequest_DoesNotCoverAnother(string changed)
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.Core.CreateClient();
        var signature = new ClusterSignature(Chain.ClusterSecret, TimeProvider.System);
        using var request = Chat(Chain.ApiKey, "hi");
        request.Headers.TryAddWithoutValidation(ClusterSignature.ForwardedForHeader, "203.0.113.7");
        signature.Sign(request);
        switch (changed)
        {
            case "key":
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-aicdn-someone-else");
                break;
            case "query":
                request.RequestUri = new Uri("/v1/chat/completions?x=1", UriKind.Relative);
                break;
            default:
                request.Headers.Remove(ClusterSignature.ForwardedForHeader);
                request.Headers.TryAddWithoutValidation(ClusterSignature.ForwardedForHeader, "198.51.100.9");
                break;
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task ClientHeaders_OnlyTheAllowListReachesTheOrigin()
    {
        await using var origin = await AuthorizationEchoOrigin.StartAsync();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Core = { ["CoreRelay:Origins"] = origin.Url, ["CoreRelay:OriginApiKey"] = "sk-origin-key", ["CoreRelay:ForwardRequestHeaders"] = "user-agent,openai-beta,x-request-id" },
        });
        using var client = chain.CreateEdgeClient();
        using var request = Chat(Chain.ApiKey, "hi");
        request.Headers.TryAddWithoutValidation("OpenAI-Organization", "org-operators-other-org");
        request.Headers.TryAddWithoutValidation("OpenAI-Project", "proj_expensive");
        request.Headers.TryAddWithoutValidation("x-mock-fault", "500");
        request.Headers.TryAddWithoutValidation("Cookie", "session=abc");
        request.Headers.TryAddWithoutValidation("X-Anything", "whatever");
        request.Headers.TryAddWithoutValidation("User-Agent", "MyApp/1.0");
        request.Headers.TryAddWithoutValidation("OpenAI-Beta", "assistants=v2");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = origin.HeaderNames.ToHashSet();
        Assert.DoesNotContain("openai-organization", seen);
        Assert.DoesNotContain("openai-project", seen);
        Assert.DoesNotContain("x-mock-fault", seen);
        Assert.DoesNotContain("cookie", seen);
        Assert.DoesNotContain("x-anything", seen);
        Assert.DoesNotContain("x-aicdn-resumable", seen);
        Assert.Contains("user-agent", seen);
        Assert.Contains("openai-beta", seen);
        Assert.Contains("authorization", seen);
    }

    private static HttpRequestMessage Chat(string key, string content, int maxTokens = 2) =>
        Requests.Chat(key, stream: false, maxTokens: maxTokens, content: content);

    private static HttpRequestMessage Unlabelled(string key, string json)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetProperty("code").GetString();
    }
}
