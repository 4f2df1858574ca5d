var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAuthQuota();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapAuthQuota();

app.Run();
