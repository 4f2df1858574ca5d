using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace AiCdn.Quota.Storage;

/// <summary>
/// A Lua script sent by its SHA-1 (EVALSHA), with the source sent (EVAL) only when Redis does not
/// know it yet or forgot it (a restart). Sending the hash ourselves spares hashing the script's
/// text on every call to look it up in the client's script cache.
/// </summary>
public sealed class RedisScript
{
    private readonly byte[] _sha1;

    public RedisScript(string text)
    {
        Text = text;

        // SHA-1 is what Redis names scripts by (EVALSHA); it identifies, it does not protect anything.
#pragma warning disable CA5350
        _sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(text));
#pragma warning restore CA5350
    }

    public string Text { get; }

    /// <summary>Loads a script embedded in <paramref name="assembly"/> whose resource name ends with <paramref name="file"/>.</summary>
    public static RedisScript FromResource(System.Reflection.Assembly assembly, string file)
    {
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith("." + file, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return new RedisScript(reader.ReadToEnd());
    }

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisKey[] keys, RedisValue[] values)
    {
        try
        {
            return await db.ScriptEvaluateAsync(_sha1, keys, values);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            return await db.ScriptEvaluateAsync(Text, keys, values);
        }
    }
}
