using AiCdn.Common.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiCdn.LlmMock.Models;

public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/v1/models");
        api.MapGet("/", (ModelCatalog catalog) => TypedResults.Ok(new ModelList(catalog.All)));
        api.MapGet("/{id}", GetModel);
        return app;
    }

    private static Results<Ok<ModelInfo>, OpenAiErrorResult> GetModel(string id, ModelCatalog catalog) =>
        catalog.Find(id) is { } model ? TypedResults.Ok(model) : ModelNotFound(id);

    public static OpenAiErrorResult ModelNotFound(string id) => new(
        StatusCodes.Status404NotFound,
        new($"The model '{id}' does not exist or you do not have access to it.", OpenAiErrorTypes.InvalidRequest, "model", "model_not_found"));
}
