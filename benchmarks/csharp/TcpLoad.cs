// A load client for bench_tcp.py, as wrk is for HTTP: it costs the measurement a few microseconds a call, so
// the servers' own cost decides the ratios (the Python load client, tcp_load.py, costs about as much a call
// as a bare asyncio server that answers without any work, which pulls every ratio towards 1).
//
// Same arguments and output as tcp_load.py: --connections connections, each a thread with a blocking socket
// (TCP_NODELAY) keeping one call in flight, as .NET and Mono clients use a pooled connection; --mode tcp
// writes the [MS-NRTP] request frame Mono's client writes, --mode http the same body as an HTTP/1.1
// keep-alive POST. Every reply is read whole (the frame's content length, or Content-Length) and must hold
// --expect. The last line is machine-readable:
//
//   RESULT requests=N duration_s=S rps=R lat_p50_ms=.. lat_p99_ms=.. ok=N bad=N err_connect=N err_read=N ...
//
//   mono TcpLoad.exe --port 8001 --body tests/fixtures/mono_binary/001_HelloMethod.request.bin --connections 1
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;

static class TcpLoad
{
    static volatile bool measuring, running = true;

    sealed class Caller
    {
        public readonly List<long> Ticks = new List<long>(1 << 16);
        public long Ok, Bad, ErrRead, ErrConnect;
        readonly byte[] request, expect;
        readonly bool tcp;
        readonly int port;
        byte[] buf = new byte[1 << 16];
        int have;  // bytes of buf in use (a reply, and whatever came after it: nothing, with one call in flight)

        public Caller(int port, byte[] request, byte[] expect, bool tcp)
        {
            this.port = port; this.request = request; this.expect = expect; this.tcp = tcp;
        }

        public void Run()
        {
            Socket s;
            try
            {
                s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.NoDelay = true;
                s.ReceiveTimeout = 10000;  // a server that stops answering is an error, not a hang
                s.Connect("127.0.0.1", port);
            }
            catch (SocketException) { ErrConnect++; return; }
            var clock = new Stopwatch();
            using (s)
            {
                while (running)
                {
                    clock.Restart();
                    try
                    {
                        s.Send(request);
                        int end = ReadReply(s);
                        clock.Stop();
                        if (end < 0 || !Contains(buf, end, expect)) { Bad++; return; }
                        Buffer.BlockCopy(buf, end, buf, 0, have - end);
                        have -= end;
                    }
                    catch (Exception e) when (e is SocketException || e is IOException) { if (running) ErrRead++; return; }
                    if (measuring) { Ticks.Add(clock.ElapsedTicks); Ok++; }
                }
            }
        }

        // The length of the whole reply at the start of buf, reading until it is there; -1 if it is not one.
        int ReadReply(Socket s)
        {
            while (true)
            {
                int end = tcp ? TcpReplyEnd() : HttpReplyEnd();
                if (end != 0) return end;
                if (have == buf.Length) Array.Resize(ref buf, buf.Length * 2);
                int n = s.Receive(buf, have, buf.Length - have, SocketFlags.None);
                if (n == 0) throw new IOException("the server closed the connection");
                have += n;
            }
        }

        int I32(int at) { return BitConverter.ToInt32(buf, at); }

        int TcpReplyEnd()
        {
            if (have < 14) return 0;
            if (buf[0] != '.' || buf[1] != 'N' || buf[2] != 'E' || buf[3] != 'T' || buf[4] != 1 || buf[5] != 0) return -1;
            int length = I32(10), pos = 14;
            while (true)
            {
                if (have < pos + 2) return 0;
                int token = buf[pos] | (buf[pos + 1] << 8);
                pos += 2;
                if (token == 0) break;
                if (token == 1)  // a custom header: two counted strings
                {
                    for (int i = 0; i < 2; i++) { if (have < pos + 5) return 0; pos += 5 + I32(pos + 1); }
                    continue;
                }
                if (have < pos + 1) return 0;
                byte format = buf[pos++];
                if (format == 1) { if (have < pos + 5) return 0; pos += 5 + I32(pos + 1); }
                else if (format == 3) pos += 2;
                else if (format != 0) return -1;
            }
            return have >= pos + length ? pos + length : 0;
        }

        int HttpReplyEnd()
        {
            int headEnd = IndexOf(buf, have, new byte[] { 13, 10, 13, 10 });
            if (headEnd < 0) return 0;
            string head = Encoding.ASCII.GetString(buf, 0, headEnd).ToLowerInvariant();
            if (!head.StartsWith("http/1.1 200")) return -1;
            int at = head.IndexOf("content-length:");
            if (at < 0) return -1;
            int stop = head.IndexOf('\r', at);
            int length = int.Parse(head.Substring(at + 15, (stop < 0 ? head.Length : stop) - at - 15).Trim());
            int end = headEnd + 4 + length;
            return have >= end ? end : 0;
        }
    }

    static int IndexOf(byte[] data, int count, byte[] what)
    {
        for (int i = 0; i + what.Length <= count; i++)
        {
            int j = 0;
            while (j < what.Length && data[i + j] == what[j]) j++;
            if (j == what.Length) return i;
        }
        return -1;
    }

    static bool Contains(byte[] data, int count, byte[] what) { return IndexOf(data, count, what) >= 0; }

    static byte[] Counted(string text)
    {
        byte[] data = Encoding.UTF8.GetBytes(text);
        var out_ = new byte[5 + data.Length];
        out_[0] = 1;
        BitConverter.GetBytes(data.Length).CopyTo(out_, 1);
        data.CopyTo(out_, 5);
        return out_;
    }

    static byte[] TcpRequest(int port, string path, byte[] body)
    {
        var m = new MemoryStream();
        m.Write(new byte[] { (byte)'.', (byte)'N', (byte)'E', (byte)'T', 1, 0, 0, 0, 0, 0 }, 0, 10);
        m.Write(BitConverter.GetBytes(body.Length), 0, 4);
        m.Write(new byte[] { 4, 0, 1 }, 0, 3);
        byte[] uri = Counted("tcp://127.0.0.1:" + port + "/" + path);
        m.Write(uri, 0, uri.Length);
        m.Write(new byte[] { 6, 0, 1 }, 0, 3);
        byte[] type = Counted("application/octet-stream");
        m.Write(type, 0, type.Length);
        m.Write(new byte[] { 0, 0 }, 0, 2);
        m.Write(body, 0, body.Length);
        return m.ToArray();
    }

    static byte[] HttpRequest(int port, string path, byte[] body)
    {
        string head = "POST /" + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port +
            "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.Length + "\r\n\r\n";
        byte[] h = Encoding.ASCII.GetBytes(head);
        var out_ = new byte[h.Length + body.Length];
        h.CopyTo(out_, 0);
        body.CopyTo(out_, h.Length);
        return out_;
    }

    static int Main(string[] argv)
    {
        var opt = new Dictionary<string, string> {
            { "--mode", "tcp" }, { "--path", "SayHello.rem" }, { "--expect", "Hi there Alice" },
            { "--connections", "16" }, { "--seconds", "10" }, { "--warmup", "3" },
        };
        for (int i = 0; i + 1 < argv.Length; i += 2) opt[argv[i]] = argv[i + 1];
        if (!opt.ContainsKey("--port") || !opt.ContainsKey("--body"))
        {
            Console.Error.WriteLine("usage: TcpLoad.exe --port N --body FILE [--mode tcp|http] [--path P] [--expect TEXT] " +
                                    "[--connections N] [--seconds S] [--warmup S]");
            return 2;
        }
        int port = int.Parse(opt["--port"]);
        byte[] body = File.ReadAllBytes(opt["--body"]);
        bool tcp = opt["--mode"] == "tcp";
        byte[] request = tcp ? TcpRequest(port, opt["--path"], body) : HttpRequest(port, opt["--path"], body);
        byte[] expect = Encoding.UTF8.GetBytes(opt["--expect"]);
        int connections = int.Parse(opt["--connections"]);
        double seconds = double.Parse(opt["--seconds"], System.Globalization.CultureInfo.InvariantCulture);
        double warmup = double.Parse(opt["--warmup"], System.Globalization.CultureInfo.InvariantCulture);

        var callers = new List<Caller>();
        var threads = new List<Thread>();
        for (int i = 0; i < connections; i++)
        {
            var c = new Caller(port, request, expect, tcp);
            var t = new Thread(c.Run) { IsBackground = true };
            callers.Add(c); threads.Add(t); t.Start();
        }
        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        var wall = Stopwatch.StartNew();
        measuring = true;
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        measuring = false;
        double elapsed = wall.Elapsed.TotalSeconds;
        running = false;
        foreach (var t in threads) t.Join(15000);  // each ends after its call in flight (10 s receive timeout)

        var all = new List<long>();
        long ok = 0, bad = 0, errRead = 0, errConnect = 0;
        foreach (var c in callers)
        {
            all.AddRange(c.Ticks); ok += c.Ok; bad += c.Bad; errRead += c.ErrRead; errConnect += c.ErrConnect;
        }
        all.Sort();
        double msPerTick = 1000.0 / Stopwatch.Frequency;
        double p50 = all.Count > 0 ? all[all.Count / 2] * msPerTick : 0;
        double p99 = all.Count > 0 ? all[Math.Min(all.Count - 1, (int)(all.Count * 0.99))] * msPerTick : 0;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        Console.WriteLine(string.Format(inv,
            "RESULT requests={0} duration_s={1:F3} rps={2:F1} lat_p50_ms={3:F3} lat_p99_ms={4:F3} ok={0} bad={5} " +
            "err_connect={6} err_read={7} err_write=0 err_timeout=0",
            ok, elapsed, ok / elapsed, p50, p99, bad, errConnect, errRead));
        return 0;
    }
}
