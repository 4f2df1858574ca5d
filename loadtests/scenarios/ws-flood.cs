// Floods the edge's chat socket (/v1/ws/chat) from one client and reports the edge's CPU time
// (from /proc/<pid>/stat) before and after, so the cost per frame and per byte of a flood can be
// set beside that of ordinary uploads. Frames are built once and written in large batches, so the
// client stays cheap; a reader drains whatever the edge sends (pongs, error messages).
//
//   dotnet run loadtests/scenarios/ws-flood.cs -- MODE ws://127.0.0.1:16980/v1/ws/chat EDGE_PID [SECONDS] [SOCKETS]
//
// MODE: bulk (1 MiB text messages in 64 KiB frames: an ordinary large upload, the baseline),
//       fragments (1-byte continuation frames, a message ended every 16,384 of them),
//       empty-fragments (0-byte continuation frames, the message never ended),
//       pings (empty pings), pings125 (125-byte pings), pongs (empty unsolicited pongs).
// A socket the edge closes is opened again, and counted (an upgrade the edge refuses too).
// SOCKETS (default 1) such loops run at once: a client reopening flooding sockets as fast as the
// edge's per-client limits let it.
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

var mode = args[0];
var uri = new Uri(args[1]);
var edgePid = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
var seconds = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 10;
var sockets = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 1;

byte[] mask = [0x37, 0xfa, 0x21, 0x3d];
var batch = Batch(mode);
long sentBytes = 0, sentFrames = 0, receivedBytes = 0, connections = 0, refused = 0;
var framesPerBatch = FramesIn(mode);

var clientCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
var edgeBefore = EdgeCpu(edgePid);
var clock = Stopwatch.StartNew();
var until = TimeSpan.FromSeconds(seconds);
async Task FloodAsync()
{
    while (clock.Elapsed < until)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        bool upgraded;
        try
        {
            upgraded = await HandshakeAsync(stream, uri);
        }
        catch (IOException)
        {
            upgraded = false;
        }

        if (!upgraded)
        {
            // Refused (the per-client rate or connection limits): try again at once, as a flood would.
            Interlocked.Increment(ref refused);
            continue;
        }

        Interlocked.Increment(ref connections);
        var left = until - clock.Elapsed;
        if (left <= TimeSpan.Zero)
        {
            break;
        }

        using var done = new CancellationTokenSource(left);
        var reader = Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer, done.Token)) > 0)
                {
                    Interlocked.Add(ref receivedBytes, read);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
            }
        });

        try
        {
            if (mode == "empty-fragments")
            {
                // The first frame of a text message, not final; only empty continuations follow.
                await stream.WriteAsync(Frame(0x01, final: false, "{"u8.ToArray()), done.Token);
            }

            while (!done.IsCancellationRequested && !reader.IsCompleted)
            {
                await stream.WriteAsync(batch, done.Token);
                Interlocked.Add(ref sentBytes, batch.Length);
                Interlocked.Add(ref sentFrames, framesPerBatch);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
        {
            // Time is up, or the edge closed the socket: open another while there is time.
        }

        await done.CancelAsync();
        await reader;
    }
}

await Task.WhenAll(Enumerable.Range(0, sockets).Select(_ => Task.Run(FloodAsync)));

var elapsed = clock.Elapsed.TotalSeconds;
var edgeAfter = EdgeCpu(edgePid);
var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - clientCpuBefore).TotalSeconds;
var edgeCpu = edgeAfter - edgeBefore;
Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
    $"mode={mode} sockets={sockets} seconds={elapsed:F1} connections={connections} refused_upgrades={refused} frames_sent={sentFrames} bytes_sent={sentBytes} bytes_received={receivedBytes} " +
    $"edge_cpu_before={edgeBefore:F2} edge_cpu_after={edgeAfter:F2} edge_cpu_s={edgeCpu:F2} client_cpu_s={clientCpu:F2} " +
    $"edge_cpu_ns_per_byte={(sentBytes == 0 ? 0 : edgeCpu * 1e9 / sentBytes):F1} edge_cpu_ns_per_frame={(sentFrames == 0 ? 0 : edgeCpu * 1e9 / sentFrames):F0} " +
    $"mb_per_s={sentBytes / elapsed / 1e6:F1}"));
return 0;

// utime + stime of the process, in seconds (USER_HZ is 100 on Linux).
static double EdgeCpu(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
}

static async Task<bool> HandshakeAsync(NetworkStream stream, Uri uri)
{
    var request = $"GET {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer sk-aicdn-flood\r\n\r\n";
    await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
    var response = new List<byte>();
    var one = new byte[1];
    while (await stream.ReadAsync(one) == 1)
    {
        response.Add(one[0]);
        if (response.Count >= 4 && response[^4] == '\r' && response[^3] == '\n' && response[^2] == '\r' && response[^1] == '\n')
        {
            return Encoding.ASCII.GetString([.. response]).StartsWith("HTTP/1.1 101", StringComparison.Ordinal);
        }
    }

    return false;
}

// About 64 KiB of frames of the mode, written again and again.
byte[] Batch(string mode)
{
    var frames = new List<byte>();
    switch (mode)
    {
        case "bulk":
            // One 1 MiB text message of 'x' (not JSON: the edge answers one small error message).
            var payload = Enumerable.Repeat((byte)'x', 64 * 1024).ToArray();
            for (var i = 0; i < 16; i++)
            {
                frames.AddRange(Frame(i == 0 ? (byte)0x01 : (byte)0x00, final: i == 15, payload));
            }

            break;
        case "fragments":
            for (var i = 0; i < 16_384; i++)
            {
                // The last one ends the message; the next batch's first continuation has no message
                // to continue, so the batch starts one.
                frames.AddRange(Frame(i == 0 ? (byte)0x01 : (byte)0x00, final: i == 16_383, "x"u8.ToArray()));
            }

            break;
        case "empty-fragments":
            for (var i = 0; i < 10_923; i++)
            {
                frames.AddRange(Frame(0x00, final: false, []));
            }

            break;
        case "pings" or "pongs":
            for (var i = 0; i < 10_923; i++)
            {
                frames.AddRange(Frame(mode == "pings" ? (byte)0x09 : (byte)0x0A, final: true, []));
            }

            break;
        case "pings125":
            for (var i = 0; i < 500; i++)
            {
                frames.AddRange(Frame(0x09, final: true, Enumerable.Repeat((byte)'p', 125).ToArray()));
            }

            break;
        default:
            throw new ArgumentException($"unknown mode {mode}");
    }

    return [.. frames];
}

static long FramesIn(string mode) => mode switch
{
    "bulk" => 16,
    "fragments" => 16_384,
    "pings125" => 500,
    _ => 10_923,
};

// A masked client frame (RFC 6455 5.2).
byte[] Frame(byte opcode, bool final, byte[] payload)
{
    var header = new List<byte> { (byte)((final ? 0x80 : 0) | opcode) };
    if (payload.Length < 126)
    {
        header.Add((byte)(0x80 | payload.Length));
    }
    else if (payload.Length <= ushort.MaxValue)
    {
        header.Add(0x80 | 126);
        header.Add((byte)(payload.Length >> 8));
        header.Add((byte)payload.Length);
    }
    else
    {
        header.Add(0x80 | 127);
        for (var shift = 56; shift >= 0; shift -= 8)
        {
            header.Add((byte)((long)payload.Length >> shift));
        }
    }

    header.AddRange(mask);
    for (var i = 0; i < payload.Length; i++)
    {
        header.Add((byte)(payload[i] ^ mask[i % 4]));
    }

    return [.. header];
}
