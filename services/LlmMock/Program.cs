var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddLlmMock();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapLlmMock();

app.Run();
