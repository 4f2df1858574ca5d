var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddEdgeGateway();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapEdgeGateway();

app.Run();
