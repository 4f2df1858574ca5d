var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddCoreRelay();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapCoreRelay();

app.Run();
