using System.Text.Json;
using AiCdn.Common.Errors;
using AiCdn.LlmMock.Auditing;
using AiCdn.LlmMock.Faults;
using AiCdn.LlmMock.Generation;
using AiCdn.LlmMock.Models;
using AiCdn.LlmMock.Streaming;
using AiCdn.LlmMock.Telemetry;
using AiCdn.Tokens;
using Microsoft.Extensions.Options;

namespace AiCdn.LlmMock.ChatCompletions;

public static class ChatCompletionsApi
{
    public const string Route = "/v1/chat/completions";

    private static readonly HashSet<string> s_roles = ["system", "developer", "user", "assistant", "tool", "function"];

    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, CreateAsync);
        return app;
    }

    private static async Task CreateAsync(
        HttpContext context,
        CompletionPlanner planner,
        FaultPlanner faults,
        IOptions<MockOptions> options,
        TimeProvider time,
        LlmMockMetrics metrics,
        UsageLedger ledger,
        ILogger<CompletionPlanner> logger)
    {
        ChatCompletionRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, MockJsonContext.Default.ChatCompletionRequest, context.RequestAborted);
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

        if (Validate(request, out var stops) is { } invalid)
        {
            await invalid.ExecuteAsync(context);
            return;
        }

        if (!Pacing.TryRead(context.Request.Headers, options.Value, out var pacing, out var error)
            || !faults.TryPlan(context.Request.Headers[FaultPlan.HeaderName], out var fault, out error))
        {
            await error!.ExecuteAsync(context);
            return;
        }

        var model = request!.Model!;
        var messages = new ChatPromptMessage[request.Messages!.Count];
        for (var i = 0; i < messages.Length; i++)
        {
            var message = request.Messages[i];
            messages[i] = new ChatPromptMessage(message.Role, message.Content, message.Name);
        }

        var plan = planner.Plan(model, messages, request.MaxCompletionTokens ?? request.MaxTokens, request.N ?? 1, stops, pacing);
        var identity = new CompletionIdentity(CompletionIdentity.NewId("chatcmpl-"), time.GetUtcNow().ToUnixTimeSeconds(), model);
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

        var completed = request.Stream == true
            ? await TokenStreamer.StreamAsync(
                context,
                new ChatChunkFormat(identity, plan, planner.Generator, request.StreamOptions?.IncludeUsage == true),
                plan,
                fault,
                time,
                metrics,
                logger,
                sent => ledger.Record(request.User, plan.PromptTokens, sent))
            : await WholeResponder.WriteAsync(
                context,
                plan.GenerationTime,
                fault,
                time,
                metrics,
                json => ChatCompletionBody.Write(json, identity, plan, planner.Generator));
        if (completed)
        {
            metrics.Tokens(model, plan.PromptTokens, plan.CompletionTokens);
        }

        if (request.Stream != true && completed)
        {
            // A whole answer counts once it has been sent whole.
            ledger.Record(request.User, plan.PromptTokens, plan.CompletionTokens);
        }
    }

    private static OpenAiErrorResult? Validate(ChatCompletionRequest? request, out IReadOnlyList<string>? stops)
    {
        stops = null;
        if (request is null)
        {
            return OpenAiErrors.InvalidJson("The body must be a JSON object.");
        }

        if (ModelsApi.CheckChatModel(request.Model) is { } modelError)
        {
            return modelError;
        }

        if (request.Messages is not { Count: > 0 })
        {
            return OpenAiErrors.InvalidParameter("messages", "'messages' must be a non-empty array.");
        }

        for (var i = 0; i < request.Messages.Count; i++)
        {
            var role = request.Messages[i]?.Role;
            if (role is null || !s_roles.Contains(role))
            {
                return OpenAiErrors.InvalidParameter(
                    $"messages[{i}].role",
                    $"Invalid value for 'messages[{i}].role': expected one of 'system', 'developer', 'user', 'assistant', 'tool'.");
            }
        }

        if (request.MaxTokens is < 1 || request.MaxCompletionTokens is < 1)
        {
            return OpenAiErrors.InvalidParameter(
                request.MaxTokens is < 1 ? "max_tokens" : "max_completion_tokens",
                "The maximum number of tokens must be at least 1.");
        }

        if (request.N is < 1 or > 128)
        {
            return OpenAiErrors.InvalidParameter("n", $"Invalid 'n': {request.N} is out of range; it must be between 1 and 128.");
        }

        // OpenAI refuses stream_options without stream; the mock ignores it instead, because the relay's
        // own tests send one body both ways and the mock is not the place to police that.
        return ReadStops(request.Stop, out stops);
    }

    private static OpenAiErrorResult? ReadStops(JsonElement stop, out IReadOnlyList<string>? stops)
    {
        stops = null;
        switch (stop.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                return null;
            case JsonValueKind.String:
                stops = string.IsNullOrEmpty(stop.GetString()) ? null : [stop.GetString()!];
                return null;
            case JsonValueKind.Array when stop.GetArrayLength() <= 4:
                var list = new List<string>(4);
                foreach (var item in stop.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        return OpenAiErrors.InvalidParameter("stop", "Invalid 'stop': every stop sequence must be a string.");
                    }

                    if (item.GetString() is { Length: > 0 } sequence)
                    {
                        list.Add(sequence);
                    }
                }

                stops = list;
                return null;
            default:
                return OpenAiErrors.InvalidParameter("stop", "Invalid 'stop': expected a string or an array of at most 4 strings.");
        }
    }
}
