using System.Globalization;
using System.Text.Json;
using AiCdn.Common.Errors;
using AiCdn.Common.Tokens;
using AiCdn.LlmMock.Generation;
using AiCdn.LlmMock.Models;
using Microsoft.Extensions.Options;

namespace AiCdn.LlmMock.ChatCompletions;

public static class ChatCompletionsApi
{
    public const string TtftHeader = "x-mock-ttft-ms";
    public const string TokenIntervalHeader = "x-mock-token-interval-ms";
    public const string TokensHeader = "x-mock-tokens";

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", CreateAsync);
        return app;
    }

    private static async Task CreateAsync(
        HttpContext context,
        CompletionGenerator generator,
        IOptions<MockOptions> options,
        TimeProvider time)
    {
        ChatCompletionRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, MockJsonContext.Default.ChatCompletionRequest, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            await OpenAiErrors.InvalidJson(ex.Message).ExecuteAsync(context);
            return;
        }

        if (Validate(request) is { } invalid)
        {
            await invalid.ExecuteAsync(context);
            return;
        }

        if (!TryPlan(context.Request.Headers, request!, generator, options.Value, out var plan, out var headerError))
        {
            await headerError!.ExecuteAsync(context);
            return;
        }

        var completion = new CompletionWriter(
            Id: "chatcmpl-" + Guid.NewGuid().ToString("N")[..24],
            Created: time.GetUtcNow().ToUnixTimeSeconds(),
            Model: request!.Model!,
            Plan: plan,
            Generator: generator);

        if (request.Stream == true)
        {
            await completion.StreamAsync(context, request.StreamOptions?.IncludeUsage == true, time);
        }
        else
        {
            await completion.WriteWholeAsync(context, time);
        }
    }

    private static OpenAiErrorResult? Validate(ChatCompletionRequest? request)
    {
        if (request is null)
        {
            return OpenAiErrors.InvalidJson("The body must be a JSON object.");
        }

        if (string.IsNullOrEmpty(request.Model))
        {
            return OpenAiErrors.InvalidParameter("model", "You must provide a model parameter.");
        }

        if (!ModelCatalog.IsChatModel(request.Model))
        {
            return ModelsApi.ModelNotFound(request.Model);
        }

        if (request.Messages is not { Count: > 0 })
        {
            return OpenAiErrors.InvalidParameter("messages", "'messages' must be a non-empty array.");
        }

        if (request.MaxTokens is < 1 || request.MaxCompletionTokens is < 1)
        {
            return OpenAiErrors.InvalidParameter(
                request.MaxTokens is < 1 ? "max_tokens" : "max_completion_tokens",
                "The maximum number of tokens must be at least 1.");
        }

        return null;
    }

    private static bool TryPlan(
        IHeaderDictionary headers,
        ChatCompletionRequest request,
        CompletionGenerator generator,
        MockOptions options,
        out CompletionPlan plan,
        out OpenAiErrorResult? error)
    {
        plan = null!;
        error = null;
        if (!TryHeader(headers, TtftHeader, options.TimeToFirstTokenMs, out var ttft, ref error)
            || !TryHeader(headers, TokenIntervalHeader, options.TokenIntervalMs, out var interval, ref error)
            || !TryHeader(headers, TokensHeader, -1, out var forcedTokens, ref error))
        {
            return false;
        }

        var messages = request.Messages!.Select(m => new ChatPromptMessage(m.Role, m.Text(), m.Name)).ToList();
        var limit = request.MaxCompletionTokens ?? request.MaxTokens;

        // With a limit and no override the completion is exactly the limit long, cut off ("length"),
        // which lets tests predict usage from the request alone.
        int count;
        string finish;
        if (forcedTokens >= 0)
        {
            count = limit is { } l && l < forcedTokens ? l : forcedTokens;
            finish = limit is { } l2 && l2 < forcedTokens ? "length" : "stop";
        }
        else if (limit is { } max)
        {
            count = max;
            finish = "length";
        }
        else
        {
            count = options.DefaultCompletionTokens;
            finish = "stop";
        }

        count = Math.Min(count, options.MaxCompletionTokens);
        plan = new CompletionPlan(
            generator.OffsetFor(request.Model!, messages),
            count,
            finish,
            generator.Tokens.CountChatPrompt(messages),
            TimeSpan.FromMilliseconds(ttft),
            TimeSpan.FromMilliseconds(interval));
        return true;
    }

    private static bool TryHeader(IHeaderDictionary headers, string name, int fallback, out int value, ref OpenAiErrorResult? error)
    {
        value = fallback;
        var raw = headers[name];
        if (raw.Count == 0)
        {
            return true;
        }

        if (int.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= 600_000)
        {
            return true;
        }

        error = OpenAiErrors.InvalidParameter(name, $"Header '{name}' must be a whole number of at most 600000.");
        return false;
    }
}
