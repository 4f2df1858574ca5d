using System.Runtime.InteropServices;
using System.Text.Json;
using AiCdn.Common.Errors;
using AiCdn.LlmMock.Faults;
using AiCdn.LlmMock.Generation;
using AiCdn.LlmMock.Models;
using AiCdn.LlmMock.Streaming;
using AiCdn.LlmMock.Telemetry;
using Microsoft.Extensions.Options;

namespace AiCdn.LlmMock.Embeddings;

/// <summary><c>POST /v1/embeddings</c>, answered after the time to first token.</summary>
public static class EmbeddingsApi
{
    public const string Route = "/v1/embeddings";

    public static IEndpointRouteBuilder MapEmbeddingsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, CreateAsync);
        return app;
    }

    private static async Task CreateAsync(
        HttpContext context,
        EmbeddingGenerator generator,
        FaultPlanner faults,
        IOptions<MockOptions> options,
        TimeProvider time,
        LlmMockMetrics metrics,
        ILogger<EmbeddingGenerator> logger)
    {
        EmbeddingRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, MockJsonContext.Default.EmbeddingRequest, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await OpenAiErrors.InvalidJson(ex).ExecuteAsync(context);
            return;
        }
        catch (InvalidOperationException)
        {
            await OpenAiErrors.InvalidJson("a string is not valid Unicode").ExecuteAsync(context);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        if (Validate(request) is { } invalid)
        {
            await invalid.ExecuteAsync(context);
            return;
        }

        if (!generator.TryReadInputs(request!.Input, out var inputs, out var problem))
        {
            await OpenAiErrors.InvalidParameter("input", problem!).ExecuteAsync(context);
            return;
        }

        if (!Pacing.TryRead(context.Request.Headers, options.Value, out var pacing, out var error)
            || !faults.TryPlan(context.Request.Headers[FaultPlan.HeaderName], out var fault, out error))
        {
            await error!.ExecuteAsync(context);
            return;
        }

        try
        {
            if (!await FaultGate.BeforeResponseAsync(context, fault, time, metrics, logger))
            {
                return;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var dimensions = request.Dimensions ?? EmbeddingGenerator.DefaultDimensions;
        var base64 = request.EncodingFormat == "base64";
        var promptTokens = inputs.Sum(i => i.Count);
        var completed = await WholeResponder.WriteAsync(context, pacing.TimeToFirstToken, fault, time, metrics, json =>
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            for (var i = 0; i < inputs.Count; i++)
            {
                var vector = generator.Embed(inputs[i], dimensions);
                json.WriteStartObject();
                json.WriteString("object", "embedding");
                json.WriteNumber("index", i);
                if (base64)
                {
                    // Little-endian float32, as OpenAI encodes it (and every machine .NET runs on is little-endian).
                    json.WriteBase64String("embedding", MemoryMarshal.AsBytes(vector.AsSpan()));
                }
                else
                {
                    json.WriteStartArray("embedding");
                    foreach (var value in vector)
                    {
                        json.WriteNumberValue(value);
                    }

                    json.WriteEndArray();
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("model", request.Model);
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", promptTokens);
            json.WriteNumber("total_tokens", promptTokens);
            json.WriteEndObject();
            json.WriteEndObject();
        });
        if (completed)
        {
            metrics.Tokens(request.Model!, promptTokens, 0);
        }
    }

    private static OpenAiErrorResult? Validate(EmbeddingRequest? request)
    {
        if (request is null)
        {
            return OpenAiErrors.InvalidJson("The body must be a JSON object.");
        }

        if (string.IsNullOrEmpty(request.Model))
        {
            return OpenAiErrors.InvalidParameter("model", "You must provide a model parameter.");
        }

        if (!ModelCatalog.Exists(request.Model))
        {
            return ModelsApi.ModelNotFound(request.Model);
        }

        if (!ModelCatalog.IsEmbeddingModel(request.Model))
        {
            return ModelsApi.NotEmbeddingModel(request.Model);
        }

        if (request.EncodingFormat is not (null or "float" or "base64"))
        {
            return OpenAiErrors.InvalidParameter("encoding_format", "Invalid 'encoding_format': expected 'float' or 'base64'.");
        }

        if (request.Dimensions is < 1 or > EmbeddingGenerator.DefaultDimensions)
        {
            return OpenAiErrors.InvalidParameter("dimensions", $"Invalid 'dimensions': it must be between 1 and {EmbeddingGenerator.DefaultDimensions}.");
        }

        return null;
    }
}
