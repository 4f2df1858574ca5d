using System.Net;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using AiCdn.Tokens;

namespace AiCdn.LlmMock.Tests;

/// <summary>Embeddings: shapes, both encodings, determinism, token counts and errors.</summary>
public sealed class EmbeddingsTests(MockFixture fixture) : IClassFixture<MockFixture>
{
    [Fact]
    public async Task Float_IsDeterministicUnitVectorWithTokenUsage()
    {
        var first = await EmbedAsync(new { model = "mock-embedding", input = "deterministic vectors" });
        var second = await EmbedAsync(new { model = "mock-embedding", input = "deterministic vectors" });

        var vector = Vector(first, 0);
        Assert.Equal("list", first.GetProperty("object").GetString());
        Assert.Equal("embedding", first.GetProperty("data")[0].GetProperty("object").GetString());
        Assert.Equal(1536, vector.Length);
        Assert.InRange(Math.Sqrt(vector.Sum(v => (double)v * v)), 0.999, 1.001);
        Assert.Equal(vector, Vector(second, 0));
        Assert.Equal(TokenCounter.Default.Count("deterministic vectors"), first.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(first.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), first.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Base64_IsTheSameVectorAsLittleEndianFloat32()
    {
        var floats = await EmbedAsync(new { model = "mock-embedding", input = "same either way", dimensions = 32 });
        var base64 = await EmbedAsync(new { model = "mock-embedding", input = "same either way", dimensions = 32, encoding_format = "base64" });

        var bytes = Convert.FromBase64String(base64.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        Assert.Equal(Vector(floats, 0), MemoryMarshal.Cast<byte, float>(bytes).ToArray());
    }

    [Fact]
    public async Task ArrayOfInputs_OneVectorEach_InOrder()
    {
        var json = await EmbedAsync(new { model = "mock-embedding", input = new[] { "one", "two", "one" }, dimensions = 16 });

        var data = json.GetProperty("data");
        Assert.Equal([0, 1, 2], data.EnumerateArray().Select(d => d.GetProperty("index").GetInt32()));
        Assert.Equal(Vector(json, 0), Vector(json, 2));
        Assert.NotEqual(Vector(json, 0), Vector(json, 1));
    }

    [Fact]
    public async Task TokenIdInputs_CountTheirLength()
    {
        var ids = TokenCounter.Default.Encode("tokens given as ids").ToArray();

        var asIds = await EmbedAsync(new { model = "mock-embedding", input = ids });
        var asText = await EmbedAsync(new { model = "mock-embedding", input = "tokens given as ids" });
        var nested = await EmbedAsync(new { model = "mock-embedding", input = new[] { ids, ids[..2] } });

        Assert.Equal(ids.Length, asIds.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(Vector(asText, 0), Vector(asIds, 0));
        Assert.Equal(ids.Length + 2, nested.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task SimilarTexts_AreCloserThanUnrelatedOnes()
    {
        var json = await EmbedAsync(new
        {
            model = "mock-embedding",
            input = new[] { "the relay streams tokens to the client", "the relay streams tokens to every client", "purple elephants dance at midnight" },
        });

        var (a, b, c) = (Vector(json, 0), Vector(json, 1), Vector(json, 2));
        Assert.True(Cosine(a, b) > Cosine(a, c) + 0.3, $"cos(similar) {Cosine(a, b):0.00} vs cos(unrelated) {Cosine(a, c):0.00}");
    }

    [Theory]
    [InlineData("""{"model":"mock-embedding","input":""}""", 400, "input")]
    [InlineData("""{"model":"mock-embedding","input":[]}""", 400, "input")]
    [InlineData("""{"model":"mock-embedding","input":[true]}""", 400, "input")]
    [InlineData("""{"model":"mock-embedding","input":[-1]}""", 400, "input")]
    [InlineData("""{"model":"mock-embedding"}""", 400, "input")]
    [InlineData("""{"model":"mock-embedding","input":"x","encoding_format":"hex"}""", 400, "encoding_format")]
    [InlineData("""{"model":"mock-embedding","input":"x","dimensions":0}""", 400, "dimensions")]
    [InlineData("""{"model":"mock-embedding","input":"x","dimensions":1537}""", 400, "dimensions")]
    [InlineData("""{"model":"mock-gpt","input":"x"}""", 400, "model")]
    [InlineData("""{"model":"nope","input":"x"}""", 404, "model")]
    public async Task BadRequest_GetsOpenAiError(string body, int status, string param)
    {
        using var client = fixture.CreateClient();

        using var response = await client.SendAsync(Chat.Post("/v1/embeddings", body));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(param, (await Chat.ErrorAsync(response)).Param);
    }

    private async Task<JsonElement> EmbedAsync(object body)
    {
        using var client = fixture.CreateClient();
        using var response = await client.PostAsJsonAsync("/v1/embeddings", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await Chat.JsonAsync(response);
    }

    private static float[] Vector(JsonElement json, int index) =>
        json.GetProperty("data")[index].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();

    private static double Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();
}
