using AiCdn.Common.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiCdn.LlmMock.Models;

public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/models");
        // HEAD wherever GET is served (RFC 9110 §9.3.2): the same status and headers, no body.
        string[] getOrHead = [HttpMethods.Get, HttpMethods.Head];
        api.MapMethods("/", getOrHead, (ModelCatalog catalog) => TypedResults.Ok(new ModelList(catalog.All)));
        api.MapMethods("/{id}", getOrHead, GetModel);
        return app;
    }

    private static Results<Ok<ModelInfo>, OpenAiErrorResult> GetModel(string id, ModelCatalog catalog) =>
        catalog.Find(id) is { } model ? TypedResults.Ok(model) : ModelNotFound(id);

    public static OpenAiErrorResult ModelNotFound(string id) => new(
        StatusCodes.Status404NotFound,
        new($"The model '{id}' does not exist or you do not have access to it.", OpenAiErrorTypes.InvalidRequest, "model", "model_not_found"));

    /// <summary>OpenAI's answer to an embedding model on a text-generation endpoint.</summary>
    public static OpenAiErrorResult NotChatModel(string id) => new(
        StatusCodes.Status404NotFound,
        new($"The model '{id}' is not a chat model and thus not supported in this endpoint.", OpenAiErrorTypes.InvalidRequest, "model", "model_not_found"));

    public static OpenAiErrorResult NotEmbeddingModel(string id) => new(
        StatusCodes.Status400BadRequest,
        new($"The model '{id}' does not support embeddings.", OpenAiErrorTypes.InvalidRequest, "model", "invalid_value"));

    /// <summary>The model checks every generation endpoint makes, in OpenAI's order.</summary>
    public static OpenAiErrorResult? CheckChatModel(string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return OpenAiErrors.InvalidParameter("model", "You must provide a model parameter.");
        }

        if (!ModelCatalog.Exists(model))
        {
            return ModelNotFound(model);
        }

        return ModelCatalog.IsChatModel(model) ? null : NotChatModel(model);
    }
}
