// Mono .NET Remoting client of the call model contract (CallModel.cs), run against our server.
//
//   mono CallModelClient.exe BASE_URL [--binary] [--only CHECK] [--list]
//
// Calls BASE_URL + "CallModel.soap" (SOAP) or "CallModel.rem" (binary, with --binary). Its own HttpChannel
// listens on 127.0.0.1 (any port) for callbacks, with both server formatters, and records the content type
// of every callback it receives. Prints "PASS name" or "FAIL name: reason" per check, then "N passed, M
// failed"; exit status 0 only if every check passed.
//
// Mono's client-side quirks are worked around by MonoFix.cs's sink, between the client formatter and the
// transport.
using System;
using System.Collections;
using System.Diagnostics;
using System.IO;
using System.Runtime.Remoting;
using System.Runtime.Remoting.Channels;
using System.Runtime.Remoting.Channels.Http;
using System.Runtime.Remoting.Messaging;
using System.Runtime.Serialization.Formatters;
using System.Threading;

namespace CallModel.Tests
{
    // First server sink of the callback channel: remembers the content type of each request it serves.
    class RecordingSink : IServerChannelSink
    {
        public static readonly ArrayList ContentTypes = ArrayList.Synchronized(new ArrayList());
        readonly IServerChannelSink next;

        public RecordingSink(IServerChannelSink next)
        {
            this.next = next;
        }

        public IServerChannelSink NextChannelSink { get { return next; } }

        public IDictionary Properties { get { return next.Properties; } }

        public ServerProcessing ProcessMessage(IServerChannelSinkStack sinkStack, IMessage requestMsg,
                                               ITransportHeaders requestHeaders, Stream requestStream,
                                               out IMessage responseMsg, out ITransportHeaders responseHeaders,
                                               out Stream responseStream)
        {
            ContentTypes.Add((string)requestHeaders["Content-Type"] ?? "");
            return next.ProcessMessage(sinkStack, requestMsg, requestHeaders, requestStream, out responseMsg,
                                       out responseHeaders, out responseStream);
        }

        public void AsyncProcessResponse(IServerResponseChannelSinkStack sinkStack, object state, IMessage msg,
                                         ITransportHeaders headers, Stream stream)
        {
            sinkStack.AsyncProcessResponse(msg, headers, stream);
        }

        public Stream GetResponseStream(IServerResponseChannelSinkStack sinkStack, object state, IMessage msg,
                                        ITransportHeaders headers)
        {
            return null;
        }
    }

    class RecordingSinkProvider : IServerChannelSinkProvider
    {
        public IServerChannelSinkProvider Next { get; set; }

        public void GetChannelData(IChannelDataStore channelData) { }

        public IServerChannelSink CreateSink(IChannelReceiver channel)
        {
            return new RecordingSink(Next.CreateSink(channel));
        }
    }

    // The client's callback object: a subclass, as a .NET shop writes its event sinks.
    public class ClientSink : EventSink
    {
    }

    public static class CallModelClient
    {
        delegate string Check(ICallModel service, bool binary);

        static readonly string[] Names = {
            "oneway_runs", "oneway_failure_not_reported", "oneway_does_not_wait", "callcontext_roundtrip",
            "callcontext_only_logical_data", "callcontext_freed_slot", "callcontext_with_ref_out_array",
            "callcontext_after_a_fault",
            "delegate_subscribe_publish",
            "callback_object", "callback_formatter",
        };

        static string WaitForNotice(ICallModel service, string expected)
        {
            Stopwatch watch = Stopwatch.StartNew();
            string last = null;
            while (watch.ElapsedMilliseconds < 10000)
            {
                last = service.LastNotice();
                if (last == expected) return null;
                Thread.Sleep(50);
            }
            return "LastNotice() is " + last + ", expected " + expected;
        }

        static string Run(string name, ICallModel service, bool binary)
        {
            string unique = Guid.NewGuid().ToString("N");
            switch (name)
            {
                case "oneway_runs":
                    service.Notify("hello-" + unique);
                    return WaitForNotice(service, "hello-" + unique);
                case "oneway_failure_not_reported":
                    service.NotifyFail("boom");
                    service.Notify("after-" + unique);
                    return WaitForNotice(service, "after-" + unique);
                case "oneway_does_not_wait":
                {
                    Stopwatch watch = Stopwatch.StartNew();
                    service.Notify("sleep:3000 " + unique);
                    long took = watch.ElapsedMilliseconds;
                    if (took > 2000) return "the one-way call took " + took + " ms";
                    return WaitForNotice(service, "sleep:3000 " + unique);
                }
                case "callcontext_roundtrip":
                {
                    CallContext.SetData("trace", new TraceTag("abc", 1));
                    string got = service.Traced("t");
                    TraceTag after = CallContext.GetData("trace") as TraceTag;
                    TraceTag server = CallContext.GetData("server") as TraceTag;
                    CallContext.FreeNamedDataSlot("trace");
                    CallContext.FreeNamedDataSlot("server");
                    if (got != "t|abc|1|trace") return "Traced answered " + got;
                    if (after == null || after.Id != "abc" || after.Hops != 2)
                        return "trace after the call: " + (after == null ? "null" : after.Id + "/" + after.Hops);
                    if (server == null || server.Id != "server-abc" || server.Hops != 0)
                        return "server slot after the call: " + (server == null ? "null" : server.Id);
                    return null;
                }
                case "callcontext_only_logical_data":
                {
                    CallContext.SetData("local", "not ILogicalThreadAffinative");
                    string got = service.Traced("n");
                    object local = CallContext.GetData("local");
                    CallContext.FreeNamedDataSlot("local");
                    if (got != "n|-|") return "Traced answered " + got;
                    if ((string)local != "not ILogicalThreadAffinative") return "the local slot changed: " + local;
                    return null;
                }
                case "callcontext_freed_slot":
                {
                    CallContext.SetData("trace", new TraceTag("f", 5));
                    CallContext.SetData("drop", new TraceTag("gone", 0));
                    // The server saw "drop" and freed it: the reply's context does not hold it (checked on the
                    // wire by the Python tests). Mono's client merges a reply's context into its own, so the
                    // slot stays set here; .NET Framework replaces its context with the reply's.
                    string got = service.Traced("d");
                    TraceTag trace = CallContext.GetData("trace") as TraceTag;
                    CallContext.FreeNamedDataSlot("trace");
                    CallContext.FreeNamedDataSlot("server");
                    CallContext.FreeNamedDataSlot("drop");
                    if (got != "d|f|5|trace,drop") return "Traced answered " + got;
                    if (trace == null || trace.Hops != 6) return "trace after the call: " + (trace == null ? "null" : "" + trace.Hops);
                    return null;
                }
                case "callcontext_with_ref_out_array":
                {
                    CallContext.SetData("trace", new TraceTag("arr", 3));
                    int hops = 1;
                    TraceTag seen;
                    string[] got = service.Traced(new string[] { "a", "b\r\nc" }, ref hops, out seen);
                    TraceTag after = CallContext.GetData("trace") as TraceTag;
                    TraceTag server = CallContext.GetData("server") as TraceTag;
                    CallContext.FreeNamedDataSlot("trace");
                    CallContext.FreeNamedDataSlot("server");
                    if (got == null || got.Length != 2 || got[0] != "a|arr" || got[1] != "b\r\nc|arr")
                        return "Traced answered " + (got == null ? "null" : string.Join(",", got));
                    if (hops != 2) return "hops after the call: " + hops;
                    if (seen == null || seen.Id != "arr" || seen.Hops != 3)
                        return "seen: " + (seen == null ? "null" : seen.Id + "/" + seen.Hops);
                    if (after == null || after.Id != "arr" || after.Hops != 4)
                        return "trace after the call: " + (after == null ? "null" : after.Id + "/" + after.Hops);
                    if (server == null || server.Id != "server-arr")
                        return "server slot after the call: " + (server == null ? "null" : server.Id);
                    // the same overload without a call context: nothing comes back in it
                    hops = 5;
                    got = service.Traced(new string[] { "x" }, ref hops, out seen);
                    if (got == null || got.Length != 1 || got[0] != "x|-")
                        return "without a context Traced answered " + (got == null ? "null" : string.Join(",", got));
                    if (hops != 6 || seen != null) return "without a context: hops " + hops + ", seen " + seen;
                    if (CallContext.GetData("trace") != null || CallContext.GetData("server") != null)
                        return "a context came back from a call without one";
                    return null;
                }
                case "callcontext_after_a_fault":
                {
                    CallContext.SetData("trace", new TraceTag("bad", 1));
                    string caught = null;
                    try
                    {
                        service.TracedFail("no");
                    }
                    catch (InvalidOperationException e)
                    {
                        caught = e.Message;
                    }
                    TraceTag after = CallContext.GetData("trace") as TraceTag;
                    TraceTag server = CallContext.GetData("server") as TraceTag;
                    CallContext.FreeNamedDataSlot("trace");
                    CallContext.FreeNamedDataSlot("server");
                    if (caught != "no") return "caught " + (caught ?? "nothing");
                    // binary: the fault brings the context the method changed; SOAP: none, the caller's stays
                    int hops = binary ? 2 : 1;
                    if (after == null || after.Id != "bad" || after.Hops != hops)
                        return "trace after the fault: " + (after == null ? "null" : after.Id + "/" + after.Hops);
                    if ((server != null) != binary)
                        return "server slot after the fault: " + (server == null ? "null" : server.Id);
                    return null;
                }
                case "delegate_subscribe_publish":
                {
                    ClientSink sink = new ClientSink();
                    service.ClearSubscribers();
                    // a call context in the same messages as the delegate: it comes back as it went
                    CallContext.SetData("trace", new TraceTag("dlg", 7));
                    service.Subscribe(new MessageHandler(sink.OnMessage));
                    int count = service.Publish("news-" + unique);
                    TraceTag trace = CallContext.GetData("trace") as TraceTag;
                    CallContext.FreeNamedDataSlot("trace");
                    service.ClearSubscribers();
                    if (count != 1) return "Publish answered " + count;
                    if (sink.Received() != "news-" + unique) return "the sink received " + sink.Received();
                    if (trace == null || trace.Id != "dlg" || trace.Hops != 7)
                        return "trace after the calls: " + (trace == null ? "null" : trace.Id + "/" + trace.Hops);
                    return null;
                }
                case "callback_object":
                {
                    ClientSink sink = new ClientSink();
                    string got = service.CallBack(sink, "ping-" + unique);
                    if (got != "called") return "CallBack answered " + got;
                    if (sink.Received() != "ping-" + unique) return "the sink received " + sink.Received();
                    return null;
                }
                case "callback_formatter":
                {
                    RecordingSink.ContentTypes.Clear();
                    service.CallBack(new ClientSink(), "which formatter");
                    if (RecordingSink.ContentTypes.Count == 0) return "no callback arrived";
                    string type = (string)RecordingSink.ContentTypes[0];
                    bool isBinary = type.StartsWith("application/octet-stream");
                    if (isBinary != binary) return "the callback came as " + type;
                    return null;
                }
            }
            return "unknown check " + name;
        }

        public static int Main(string[] args)
        {
            if (Array.IndexOf(args, "--list") >= 0)
            {
                foreach (string n in Names) Console.WriteLine(n);
                return 0;
            }
            string baseUrl = args[0].TrimEnd('/') + "/";
            bool binary = Array.IndexOf(args, "--binary") >= 0;
            int only = Array.IndexOf(args, "--only");
            string selected = only >= 0 ? args[only + 1] : null;

            IClientChannelSinkProvider formatter = binary
                ? (IClientChannelSinkProvider)new BinaryClientFormatterSinkProvider()
                : new SoapClientFormatterSinkProvider();
            formatter.Next = new MonoFixSinkProvider();
            SoapServerFormatterSinkProvider soap = new SoapServerFormatterSinkProvider();
            soap.TypeFilterLevel = TypeFilterLevel.Full;
            BinaryServerFormatterSinkProvider bin = new BinaryServerFormatterSinkProvider();
            bin.TypeFilterLevel = TypeFilterLevel.Full;
            RecordingSinkProvider recording = new RecordingSinkProvider();
            recording.Next = soap;
            soap.Next = bin;
            IDictionary props = new Hashtable();
            props["port"] = 0;
            props["bindTo"] = "127.0.0.1";
            props["machineName"] = "127.0.0.1";
            ChannelServices.RegisterChannel(new HttpChannel(props, formatter, recording), false);

            string url = baseUrl + (binary ? "CallModel.rem" : "CallModel.soap");
            ICallModel service = (ICallModel)Activator.GetObject(typeof(ICallModel), url);
            int passed = 0, failed = 0;
            foreach (string name in Names)
            {
                if (selected != null && name != selected) continue;
                string problem;
                try
                {
                    problem = Run(name, service, binary);
                }
                catch (Exception e)
                {
                    Console.Error.WriteLine(name + ": " + e);
                    problem = e.GetType().FullName + ": " + e.Message.Replace("\n", " ");
                }
                if (problem == null)
                {
                    passed++;
                    Console.WriteLine("PASS " + name);
                }
                else
                {
                    failed++;
                    Console.WriteLine("FAIL " + name + ": " + problem);
                }
            }
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }
    }
}
