using System.Text.Json;
using AiCdn.Common.Errors;
using AiCdn.LlmMock.Faults;
using AiCdn.LlmMock.Generation;
using AiCdn.LlmMock.Models;
using AiCdn.LlmMock.Streaming;
using AiCdn.LlmMock.Telemetry;
using Microsoft.Extensions.Options;

namespace AiCdn.LlmMock.Responses;

/// <summary><c>POST /v1/responses</c>: the Responses API, streamed as its event stream or answered whole.</summary>
public static class ResponsesApi
{
    public const string Route = "/v1/responses";

    /// <summary>OpenAI refuses smaller <c>max_output_tokens</c> values.</summary>
    public const int MinOutputTokens = 16;

    public static IEndpointRouteBuilder MapResponsesApi(this IEndpointRouteBuilder app)
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
        ILogger<CompletionPlanner> logger)
    {
        ResponseRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, MockJsonContext.Default.ResponseRequest, context.RequestAborted);
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

        if (request is null)
        {
            await OpenAiErrors.InvalidJson("The body must be a JSON object.").ExecuteAsync(context);
            return;
        }

        if (ModelsApi.CheckChatModel(request.Model) is { } modelError)
        {
            await modelError.ExecuteAsync(context);
            return;
        }

        if (!ResponseInput.TryRead(request, out var messages, out var problem))
        {
            await OpenAiErrors.InvalidParameter("input", problem!).ExecuteAsync(context);
            return;
        }

        if (request.MaxOutputTokens is < MinOutputTokens)
        {
            await OpenAiErrors.InvalidParameter(
                "max_output_tokens",
                $"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= {MinOutputTokens}, but got {request.MaxOutputTokens} instead.")
                .ExecuteAsync(context);
            return;
        }

        if (!Pacing.TryRead(context.Request.Headers, options.Value, out var pacing, out var error)
            || !faults.TryPlan(context.Request.Headers[FaultPlan.HeaderName], out var fault, out error))
        {
            await error!.ExecuteAsync(context);
            return;
        }

        var plan = planner.Plan(request.Model!, messages, request.MaxOutputTokens, n: 1, stops: null, pacing);
        var state = new ResponseState(request, plan, planner.Generator, time.GetUtcNow().ToUnixTimeSeconds());
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

        bool completed;
        if (request.Stream == true)
        {
            using var format = new ResponseEventFormat(state);
            completed = await TokenStreamer.StreamAsync(context, format, plan, fault, time, metrics, logger);
        }
        else
        {
            completed = await WholeResponder.WriteAsync(
                context,
                plan.GenerationTime,
                fault,
                time,
                metrics,
                json => ResponseJson.WriteResponse(json, state, ResponseJson.Stage.Final));
        }

        if (completed)
        {
            metrics.Tokens(request.Model!, plan.PromptTokens, plan.CompletionTokens);
        }
    }
}
