using AiCdn.Common.Errors;
using AiCdn.Common.Overload;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// Before any work on a relayed request: while this core cannot keep up (<see cref="IOverloadSignal"/>),
/// new requests are refused at once with 503 <c>overloaded</c> and <c>Retry-After</c> rather than
/// queued behind the others; nothing is reserved, so nothing is charged. Resumes are not relayed
/// requests and never come here.
/// </summary>
public sealed class OverloadMiddleware(RequestDelegate next, IOverloadSignal overload, AdmissionRejections rejections)
{
    public Task InvokeAsync(HttpContext context) =>
        overload.Overloaded ? rejections.RejectAsync(context, OpenAiErrors.Overloaded("This core relay")) : next(context);
}
