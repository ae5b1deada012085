// Mono .NET Remoting test client: runs interop checks against any server that
// serves the RemotingPeer contract (Contract.cs) over HTTP or the .NET Remoting TCP
// channel, with the SOAP formatter (default) or the binary formatter (--binary).
//
//   mono TestClient.exe BASE_URL [--binary] [--only GROUP[,GROUP...]] [--list]
//
//   BASE_URL  e.g. http://127.0.0.1:8000/ (object URIs are appended); a tcp://host:port/
//             URL registers a TcpChannel (listening on a free loopback port for callbacks)
//             instead of an HttpClientChannel
//   --binary  register the channel with BinaryClientFormatterSinkProvider (MS-NRBF,
//             application/octet-stream) instead of SoapClientFormatterSinkProvider;
//             the server must have the binary formatter enabled
//   --only    run only these groups: hello, singlecall, singleton, echo,
//             echomore, arrays, byvalue, exceptions, extras, cao, sponsor
//   --list    print "group name" for every check and exit (the same checks in both
//             formatter modes; the sponsor group only with a tcp:// BASE_URL)
//
// The "sponsor" group (tcp:// only, since only then does the client listen) registers a
// sponsor of this client's own on a client-activated object's lease, lets the lease run
// out without calls, and checks that the server called the sponsor back (over TCP, at the
// URL in the sponsor's ObjRef) and kept the object alive; the server needs type filter
// level Full to accept the sponsor's reference.
//
// Output: "PASS name" or "FAIL name: reason" per check, then "N passed, M failed".
// Exit status 0 only if every selected check passed. Details go to stderr.
//
// Known Mono limitation respected here: a Mono SOAP client cannot deserialize an
// xsd:dateTime in a response, so no check expects a DateTime back.
//
// Known Mono bug worked around in --binary mode: BinaryClientFormatterSink reads the
// reply straight off the HTTP response stream, stops at MessageEnd and never closes
// the stream, so the connection is never released; with the default limit of two
// connections per host the third call blocks until it times out. ReplyBufferSink
// (below) sits between the formatter sink and the transport sink and hands the
// formatter a complete in-memory copy of each reply, closing the network stream.
//
// The "cao" group needs the server's client-activated type ClientActivatedObject
// (RemoteActivationService.rem, lease 5 s / 2 s / 2 s, lease manager polling every
// second) and FactoryService at FactoryService.rem (IFactory); it waits ~8 s for a
// lease to expire.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.Remoting;
using System.Runtime.Remoting.Activation;
using System.Runtime.Remoting.Channels;
using System.Runtime.Remoting.Channels.Http;
using System.Runtime.Remoting.Channels.Tcp;
using System.Runtime.Remoting.Lifetime;
using System.Runtime.Remoting.Messaging;
using System.Runtime.Serialization.Formatters;
using System.Text;
using System.Threading;

namespace RemotingPeer.Tests
{
    // Declared in this assembly only: the server cannot know it. Calling it
    // checks how a server rejects a method it does not have.
    public interface IUnknownContract
    {
        string NoSuchMethod(string x);
    }

    // Client-side, METADATA-ONLY stand-in for the server class
    // "RemotingPeer.ClientActivatedObject, PeerServer": a class with that name, a
    // (string) constructor and ICounter, in an assembly named PeerServer, whose
    // members all throw.
    //
    // Why: Activator.CreateInstance(type, args, { UrlAttribute }) activates a
    // client-activated object by sending type.AssemblyQualifiedName as
    // __ActivationTypeName, and it needs a concrete MarshalByRefObject class for
    // that (an interface from PeerShared is not enough). A server resolves the
    // name "RemotingPeer.ClientActivatedObject, PeerServer" (the Mono reference
    // server's assembly is PeerServer.exe). soapsuds -nowp metadata assemblies
    // serve the same purpose.
    //
    // The build (mono_build.py) compiles one assembly per source file and names
    // it after its output, so the stub is emitted at run time with
    // System.Reflection.Emit instead of being compiled into a PeerServer.dll. The
    // constructor body never runs: the remoting proxy intercepts the constructor
    // call and sends it to the server.
    static class ServerMetadata
    {
        public const string StubAssembly = "PeerServer";
        static readonly object Gate = new object();
        static Type clientActivatedObject;

        public static Type ClientActivatedObject
        {
            get
            {
                lock (Gate)
                {
                    if (clientActivatedObject == null) clientActivatedObject = Build();
                    return clientActivatedObject;
                }
            }
        }

        static void Throw(ILGenerator il)
        {
            il.Emit(OpCodes.Ldstr, "metadata stub: activate remotely with UrlAttribute");
            il.Emit(OpCodes.Newobj, typeof(NotSupportedException).GetConstructor(new[] { typeof(string) }));
            il.Emit(OpCodes.Throw);
        }

        static Type Build()
        {
            AssemblyName name = new AssemblyName(StubAssembly);
            name.Version = new Version(0, 0, 0, 0);
            AssemblyBuilder assembly = AppDomain.CurrentDomain.DefineDynamicAssembly(name, AssemblyBuilderAccess.Run);
            ModuleBuilder module = assembly.DefineDynamicModule(StubAssembly);
            TypeBuilder tb = module.DefineType("RemotingPeer.ClientActivatedObject",
                TypeAttributes.Public | TypeAttributes.Class | TypeAttributes.BeforeFieldInit,
                typeof(MarshalByRefObject), new[] { typeof(ICounter) });

            ConstructorBuilder ctor = tb.DefineConstructor(MethodAttributes.Public | MethodAttributes.HideBySig,
                CallingConventions.Standard, new[] { typeof(string) });
            ctor.DefineParameter(1, ParameterAttributes.None, "name");
            ILGenerator il = ctor.GetILGenerator();
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, typeof(MarshalByRefObject).GetConstructor(
                BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, null, Type.EmptyTypes, null));
            Throw(il);

            foreach (MethodInfo m in typeof(ICounter).GetMethods())
            {
                ParameterInfo[] ps = m.GetParameters();
                Type[] types = new Type[ps.Length];
                for (int k = 0; k < ps.Length; k++) types[k] = ps[k].ParameterType;
                MethodBuilder mb = tb.DefineMethod(m.Name,
                    MethodAttributes.Public | MethodAttributes.Virtual | MethodAttributes.Final
                    | MethodAttributes.HideBySig | MethodAttributes.NewSlot, m.ReturnType, types);
                Throw(mb.GetILGenerator());
                tb.DefineMethodOverride(mb, m);
            }
            Type created = tb.CreateType();
            // Anything that later looks the name up (e.g. "..., PeerServer" in an ObjRef) finds the stub.
            AppDomain.CurrentDomain.AssemblyResolve += (sender, e) =>
                new AssemblyName(e.Name).Name == StubAssembly ? assembly : null;
            return created;
        }
    }

    // A lease sponsor that lives in this client: the server calls Renewal over the client's own
    // TCP channel when the sponsored lease runs out.
    public sealed class CountingSponsor : MarshalByRefObject, ISponsor
    {
        int calls;
        public string LastLeaseState = "";

        public int Calls { get { return Volatile.Read(ref calls); } }

        public TimeSpan Renewal(ILease lease)
        {
            Interlocked.Increment(ref calls);
            LastLeaseState = lease == null ? "<null>" : "lease";
            return TimeSpan.FromSeconds(4);
        }

        public override object InitializeLifetimeService()
        {
            return null;
        }
    }

    sealed class CheckFailure : Exception
    {
        public CheckFailure(string message) : base(message) { }
    }

    // Client channel sink for --binary: replaces every reply stream by a read-only
    // MemoryStream holding the whole body, and disposes of the network stream at once
    // (see the header comment: Mono's binary formatter sink would leave it open).
    // Requests pass through untouched, so the bytes on the wire do not change.
    public sealed class ReplyBufferSinkProvider : IClientChannelSinkProvider
    {
        public IClientChannelSinkProvider Next { get; set; }

        public IClientChannelSink CreateSink(IChannelSender channel, string url, object remoteChannelData)
        {
            IClientChannelSink transport = Next == null ? null : Next.CreateSink(channel, url, remoteChannelData);
            if (transport == null) throw new RemotingException("ReplyBufferSinkProvider needs a sink after it");
            return new ReplyBufferSink(transport);
        }
    }

    public sealed class ReplyBufferSink : BaseChannelSinkWithProperties, IClientChannelSink
    {
        readonly IClientChannelSink transport;

        public ReplyBufferSink(IClientChannelSink transport)
        {
            this.transport = transport;
        }

        public IClientChannelSink NextChannelSink { get { return transport; } }

        // Reads the reply to its end, then releases the connection by disposing of it.
        static Stream Buffered(Stream reply)
        {
            if (reply == null) return null;
            byte[] chunk = new byte[16 * 1024];
            MemoryStream copy = new MemoryStream();
            using (reply)
            {
                int n;
                while ((n = reply.Read(chunk, 0, chunk.Length)) > 0) copy.Write(chunk, 0, n);
            }
            return new MemoryStream(copy.GetBuffer(), 0, (int)copy.Length, false);
        }

        public void ProcessMessage(IMessage msg, ITransportHeaders requestHeaders, Stream requestStream,
                                   out ITransportHeaders responseHeaders, out Stream responseStream)
        {
            Stream reply;
            transport.ProcessMessage(msg, requestHeaders, requestStream, out responseHeaders, out reply);
            responseStream = Buffered(reply);
        }

        public void AsyncProcessRequest(IClientChannelSinkStack sinkStack, IMessage msg,
                                        ITransportHeaders headers, Stream stream)
        {
            sinkStack.Push(this, null);   // so that the reply comes back through AsyncProcessResponse
            transport.AsyncProcessRequest(sinkStack, msg, headers, stream);
        }

        public void AsyncProcessResponse(IClientResponseChannelSinkStack sinkStack, object state,
                                         ITransportHeaders headers, Stream stream)
        {
            sinkStack.AsyncProcessResponse(headers, Buffered(stream));
        }

        public Stream GetRequestStream(IMessage msg, ITransportHeaders headers)
        {
            return null;   // the formatter writes the request into its own buffer
        }
    }

    sealed class Runner
    {
        static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
        readonly HashSet<string> only;
        readonly bool listOnly;
        public int Passed, Failed;

        public Runner(HashSet<string> only, bool listOnly)
        {
            this.only = only;
            this.listOnly = listOnly;
        }

        public bool Selected(string group)
        {
            return only == null || only.Contains(group);
        }

        static string Flat(string s)
        {
            if (s == null) return "<null>";
            s = s.Replace("\r", "\\r").Replace("\n", "\\n").Replace("\t", "\\t");
            return s.Length > 400 ? s.Substring(0, 400) + "..." : s;
        }

        public void Run(string group, string name, Action body)
        {
            if (listOnly)
            {
                Console.WriteLine(group + " " + name);
                return;
            }
            if (!Selected(group)) return;
            try
            {
                body();
                Console.WriteLine("PASS " + name);
                Passed++;
            }
            catch (CheckFailure e)
            {
                Console.WriteLine("FAIL " + name + ": " + Flat(e.Message));
                Failed++;
            }
            catch (Exception e)
            {
                Console.WriteLine("FAIL " + name + ": " + e.GetType().FullName + ": " + Flat(e.Message));
                Console.Error.WriteLine("--- " + name + " ---");
                Console.Error.WriteLine(e);
                Failed++;
            }
            Console.Out.Flush();
        }

        public static void True(bool condition, string reason)
        {
            if (!condition) throw new CheckFailure(reason);
        }

        public static void Same<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
                throw new CheckFailure(string.Format(Inv, "{0}: expected <{1}>, got <{2}>", what,
                    Flat(Convert.ToString(expected, Inv)), Flat(Convert.ToString(actual, Inv))));
        }

        // Splits a '|'-joined Echo/EchoMore reply and checks the field count.
        public static string[] Fields(string reply, int count)
        {
            True(reply != null, "reply is null");
            string[] f = reply.Split('|');
            True(f.Length == count, "expected " + count + " '|'-separated fields, got " + f.Length + ": " + Flat(reply));
            return f;
        }
    }

    public static class TestClientMain
    {
        static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
        static readonly string[] Groups = { "hello", "singlecall", "singleton", "echo", "echomore",
                                            "arrays", "byvalue", "exceptions", "extras", "cao", "sponsor" };

        static string Utc(DateTime t)
        {
            return t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", Inv);
        }

        static string Show(int[] a)
        {
            if (a == null) return "null";
            StringBuilder sb = new StringBuilder("[");
            for (int k = 0; k < a.Length; k++) sb.Append(k == 0 ? "" : ",").Append(a[k].ToString(Inv));
            return sb.Append("]").ToString();
        }

        static T Remote<T>(string url)
        {
            return (T)Activator.GetObject(typeof(T), url);
        }

        public static int Main(string[] args)
        {
            string baseUrl = null;
            HashSet<string> only = null;
            bool list = false, binary = false;
            for (int k = 0; k < args.Length; k++)
            {
                if (args[k] == "--list") list = true;
                else if (args[k] == "--binary") binary = true;
                else if (args[k] == "--only" && k + 1 < args.Length)
                {
                    only = new HashSet<string>(args[++k].Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries));
                    foreach (string g in only)
                        if (Array.IndexOf(Groups, g) < 0) { Console.Error.WriteLine("unknown group " + g); return 2; }
                }
                else if (args[k].StartsWith("--")) { Console.Error.WriteLine("unknown option " + args[k]); return 2; }
                else baseUrl = args[k];
            }
            if (baseUrl == null && !list)
            {
                Console.Error.WriteLine("usage: mono TestClient.exe BASE_URL [--binary] [--only GROUP,...] [--list]");
                return 2;
            }
            if (baseUrl == null) baseUrl = "http://127.0.0.1:1/";
            if (!baseUrl.EndsWith("/")) baseUrl += "/";
            bool tcp = baseUrl.StartsWith("tcp://", StringComparison.Ordinal);

            if (!list)
            {
                Hashtable props = new Hashtable();
                props["name"] = "test client";
                IClientChannelSinkProvider formatter;
                if (binary && tcp)
                {
                    formatter = new BinaryClientFormatterSinkProvider();   // the TCP transport reads whole replies
                }
                else if (binary)
                {
                    BinaryClientFormatterSinkProvider binaryFormatter = new BinaryClientFormatterSinkProvider();
                    binaryFormatter.Next = new ReplyBufferSinkProvider();   // then the HTTP transport sink
                    formatter = binaryFormatter;
                }
                else
                {
                    formatter = new SoapClientFormatterSinkProvider();
                }
                if (tcp)
                {
                    // Listen too (a free port on loopback), so objects of this client (a lease sponsor)
                    // can be called back; the server side of the channel reads binary and SOAP.
                    props["port"] = 0;
                    props["bindTo"] = "127.0.0.1";
                    props["machineName"] = "127.0.0.1";
                    BinaryServerFormatterSinkProvider serverFormatter = new BinaryServerFormatterSinkProvider();
                    serverFormatter.TypeFilterLevel = TypeFilterLevel.Full;
                    SoapServerFormatterSinkProvider soapServer = new SoapServerFormatterSinkProvider();
                    soapServer.TypeFilterLevel = TypeFilterLevel.Full;
                    serverFormatter.Next = soapServer;
                    ChannelServices.RegisterChannel(new TcpChannel(props, formatter, serverFormatter), false);
                }
                else
                {
                    props["timeout"] = 30000;   // ms per call: a hung server fails the check instead of the run
                    ChannelServices.RegisterChannel(new HttpClientChannel(props, formatter), false);
                }
                Console.Error.WriteLine("info: base=" + baseUrl + " formatter=" + (binary ? "binary" : "soap")
                                        + " channel=" + (tcp ? "tcp" : "http") + " mono=" + Environment.Version);
            }

            Runner r = new Runner(only, list);
            IHello helloSoap = Remote<IHello>(baseUrl + "SayHello.soap");
            IHello helloRem = Remote<IHello>(baseUrl + "SayHello.rem");
            IRemoteService single = Remote<IRemoteService>(baseUrl + "SingleCallService.rem");
            IRemoteService singleton = Remote<IRemoteService>(baseUrl + "SingletonService.rem");

            // ------------------------------------------------------------ hello
            r.Run("hello", "hello_soap", () =>
                Runner.Same("Hi there Alice", helloSoap.HelloMethod("Alice"), "HelloMethod(\"Alice\") at SayHello.soap"));
            r.Run("hello", "hello_rem", () =>
                Runner.Same("Hi there Bob", helloRem.HelloMethod("Bob"), "HelloMethod(\"Bob\") at SayHello.rem"));
            r.Run("hello", "hello_unicode_markup", () =>
                Runner.Same("Hi there Zo\u00eb <b>&amp;</b> \u2713", helloSoap.HelloMethod("Zo\u00eb <b>&amp;</b> \u2713"),
                            "HelloMethod with non-ASCII and markup"));
            r.Run("hello", "hello_repeated_calls", () => {
                for (int k = 0; k < 50; k++)
                    Runner.Same("Hi there n" + k, helloRem.HelloMethod("n" + k), "call " + k);
            });

            // ------------------------------------------------------- SingleCall
            r.Run("singlecall", "singlecall_type", () =>
                Runner.Same("RemotingPeer.SingleCallObject", single.GetRemoteObjectType(), "GetRemoteObjectType"));
            r.Run("singlecall", "singlecall_state_not_kept", () => {
                int a = single.Increment(), b = single.Increment(), c = single.Increment();
                Runner.True(a == 1 && b == 1 && c == 1, string.Format("Increment x3 = {0},{1},{2}; want 1,1,1", a, b, c));
            });

            // -------------------------------------------------------- Singleton
            r.Run("singleton", "singleton_type", () =>
                Runner.Same("RemotingPeer.SingletonObject", singleton.GetRemoteObjectType(), "GetRemoteObjectType"));
            r.Run("singleton", "singleton_state_kept", () => {
                int a = singleton.Increment(), b = singleton.Increment(), c = singleton.Increment();
                Runner.True(a >= 1 && b == a + 1 && c == a + 2,
                            string.Format("Increment x3 = {0},{1},{2}; want n,n+1,n+2", a, b, c));
            });
            r.Run("singleton", "process_id", () => {
                int p1 = single.GetProcessId(), p2 = singleton.GetProcessId();
                Runner.True(p1 > 0 && p1 == p2, "GetProcessId: SingleCall " + p1 + ", Singleton " + p2);
                Runner.True(p1 != Process.GetCurrentProcess().Id, "server pid equals the client's own pid");
            });

            // ------------------------------------------------------------- Echo
            DateTime when = new DateTime(2024, 2, 29, 13, 45, 30, DateTimeKind.Utc).AddTicks(1234567);
            string text = "Gr\u00fc\u00dfe <&> \"double\" 'single' tab\there line1\nline2 \u2713";
            string[] echo = null;
            r.Run("echo", "echo_call", () => {
                echo = Runner.Fields(single.Echo(42, 3.141592653589793, true, text, when), 6);
            });
            r.Run("echo", "echo_int", () => { Runner.True(echo != null, "Echo failed"); Runner.Same("42", echo[0], "int"); });
            r.Run("echo", "echo_double", () => {
                Runner.True(echo != null, "Echo failed");
                // "R" may print 17 digits; compare the value.
                Runner.Same(3.141592653589793, double.Parse(echo[1], NumberStyles.Float, Inv), "double");
            });
            r.Run("echo", "echo_bool", () => { Runner.True(echo != null, "Echo failed"); Runner.Same("True", echo[2], "bool"); });
            r.Run("echo", "echo_string", () => { Runner.True(echo != null, "Echo failed"); Runner.Same(text, echo[3], "string"); });
            r.Run("echo", "echo_datetime", () => { Runner.True(echo != null, "Echo failed"); Runner.Same(Utc(when), echo[4], "DateTime (as UTC instant)"); });
            r.Run("echo", "echo_int_min", () =>
                Runner.Same("-2147483648", Runner.Fields(single.Echo(int.MinValue, 0, false, "x", when), 6)[0], "int.MinValue"));
            r.Run("echo", "echo_int_max", () =>
                Runner.Same("2147483647", Runner.Fields(single.Echo(int.MaxValue, 0, false, "x", when), 6)[0], "int.MaxValue"));
            r.Run("echo", "echo_double_nan", () =>
                Runner.Same("NaN", Runner.Fields(single.Echo(0, double.NaN, false, "x", when), 6)[1], "double.NaN"));
            r.Run("echo", "echo_double_neg_infinity", () =>
                Runner.Same("-Infinity", Runner.Fields(single.Echo(0, double.NegativeInfinity, false, "x", when), 6)[1], "-Infinity"));
            r.Run("echo", "echo_double_pos_infinity", () =>
                Runner.Same("Infinity", Runner.Fields(single.Echo(0, double.PositiveInfinity, false, "x", when), 6)[1], "+Infinity"));
            r.Run("echo", "echo_double_extremes", () => {
                foreach (double d in new double[] { double.MaxValue, double.Epsilon, -1.5e-300, 0.1 })
                {
                    string f = Runner.Fields(single.Echo(0, d, false, "x", when), 6)[1];
                    Runner.Same(d, double.Parse(f, NumberStyles.Float, Inv), "double " + d.ToString("R", Inv));
                }
            });
            r.Run("echo", "echo_bool_false", () =>
                Runner.Same("False", Runner.Fields(single.Echo(0, 0, false, "x", when), 6)[2], "false"));
            r.Run("echo", "echo_empty_string", () =>
                Runner.Same("", Runner.Fields(single.Echo(0, 0, false, "", when), 6)[3], "empty string"));
            r.Run("echo", "echo_string_spaces", () =>
                Runner.Same("  padded  ", Runner.Fields(single.Echo(0, 0, false, "  padded  ", when), 6)[3], "leading/trailing spaces"));
            r.Run("echo", "echo_string_astral", () =>
                Runner.Same("smile \U0001F600 clef \U0001D11E", Runner.Fields(single.Echo(0, 0, false, "smile \U0001F600 clef \U0001D11E", when), 6)[3],
                            "characters outside the BMP"));
            r.Run("echo", "echo_datetime_1924", () => {
                DateTime old = when.AddYears(-100);
                Runner.Same(Utc(old), Runner.Fields(single.Echo(0, 0, false, "x", old), 6)[4], "DateTime 1924");
            });
            r.Run("echo", "echo_datetime_local", () => {
                DateTime local = new DateTime(2023, 7, 1, 8, 30, 0, DateTimeKind.Local);
                Runner.Same(Utc(local), Runner.Fields(single.Echo(0, 0, false, "x", local), 6)[4], "local DateTime as UTC instant");
            });
            r.Run("echo", "echo_large_string_100k", () => {
                StringBuilder sb = new StringBuilder();
                int n = 0;
                while (sb.Length < 100 * 1024) sb.Append("block ").Append(n++).Append(" <&> \u00e9\u2713;");
                string big = sb.ToString();
                string f = Runner.Fields(single.Echo(1, 1, true, big, when), 6)[3];
                Runner.Same(big.Length, f.Length, "length of the 100 KB string");
                Runner.True(f == big, "the 100 KB string came back changed");
            });

            // --------------------------------------------------------- EchoMore
            TimeSpan span = new TimeSpan(1, 2, 3, 4, 5);
            string[] more = null;
            r.Run("echomore", "echo_more_call", () => {
                more = Runner.Fields(single.EchoMore(long.MaxValue, 0.1f, 12345.6789m, '\u03a9', (byte)255, short.MinValue,
                                                     span, new byte[] { 0, 1, 2, 0xfe, 0xff }, null, DayOfWeek.Friday), 10);
            });
            string[] moreNames = { "echo_long", "echo_float", "echo_decimal", "echo_char", "echo_byte",
                                   "echo_short", "echo_timespan", "echo_byte_array", "echo_null_string", "echo_enum" };
            string[] moreWant = { "9223372036854775807", "0.1", "12345.6789", "937", "255",
                                  "-32768", span.Ticks.ToString(Inv), "000102feff", "<null>", "Friday" };
            for (int k = 0; k < moreNames.Length; k++)
            {
                int idx = k;
                r.Run("echomore", moreNames[idx], () => {
                    Runner.True(more != null, "EchoMore failed");
                    Runner.Same(moreWant[idx], more[idx], moreNames[idx].Substring(5));
                });
            }
            r.Run("echomore", "echo_more_negative_values", () => {
                string[] f = Runner.Fields(single.EchoMore(long.MinValue, -2.5f, -0.0001m, 'a', (byte)0, (short)-1,
                                                           TimeSpan.FromMilliseconds(-1500), new byte[0], "", DayOfWeek.Sunday), 10);
                Runner.Same("-9223372036854775808", f[0], "long.MinValue");
                Runner.Same("-2.5", f[1], "float");
                Runner.Same("-0.0001", f[2], "decimal");
                Runner.Same("97", f[3], "char");
                Runner.Same("0", f[4], "byte");
                Runner.Same("-1", f[5], "short");
                Runner.Same((-15000000L).ToString(Inv), f[6], "negative TimeSpan ticks");
                Runner.Same("", f[7], "empty byte[]");
                Runner.Same("[]", f[8], "empty (not null) string");
                Runner.Same("Sunday", f[9], "enum");
            });
            r.Run("echomore", "echo_more_zero_timespan_all_bytes", () => {
                byte[] all = new byte[256];
                for (int k = 0; k < 256; k++) all[k] = (byte)k;
                string[] f = Runner.Fields(single.EchoMore(0, 0f, 0m, 'z', (byte)1, (short)0, TimeSpan.Zero, all,
                                                           "s", DayOfWeek.Saturday), 10);
                Runner.Same("0", f[6], "TimeSpan.Zero ticks");
                Runner.Same(BitConverter.ToString(all).Replace("-", "").ToLowerInvariant(), f[7], "byte[] 0..255");
                Runner.Same("[s]", f[8], "string");
                Runner.Same("Saturday", f[9], "enum");
            });

            // ----------------------------------------------------------- arrays
            r.Run("arrays", "reverse_array", () =>
                Runner.Same("[5,4,3,2,1]", Show(single.Reverse(new int[] { 1, 2, 3, 4, 5 })), "Reverse([1..5])"));
            r.Run("arrays", "reverse_empty_array", () =>
                Runner.Same("[]", Show(single.Reverse(new int[0])), "Reverse([])"));
            r.Run("arrays", "reverse_null_array", () =>
                Runner.Same("null", Show(single.Reverse(null)), "Reverse(null)"));
            r.Run("arrays", "reverse_large_array", () => {
                int[] a = new int[10000];
                for (int k = 0; k < a.Length; k++) a[k] = k * 7 - 30000;
                int[] back = single.Reverse(a);
                Runner.True(back != null, "null result");
                Runner.Same(a.Length, back.Length, "length");
                for (int k = 0; k < a.Length; k++)
                    if (back[k] != a[a.Length - 1 - k]) throw new CheckFailure("element " + k + " is " + back[k]);
            });
            r.Run("arrays", "reverse_extreme_ints", () =>
                Runner.Same("[2147483647,0,-2147483648]", Show(single.Reverse(new int[] { int.MinValue, 0, int.MaxValue })), "Reverse"));

            // --------------------------------------------------------- by value
            r.Run("byvalue", "person_by_value", () => {
                Person p = singleton.GetPerson("Dave", 42);
                Runner.True(p != null, "GetPerson returned null");
                Runner.True(!RemotingServices.IsTransparentProxy(p), "Person is a transparent proxy, not a copy");
                Runner.Same(typeof(Person), p.GetType(), "type");
                Runner.Same("Dave", p.Name, "Name");
                Runner.Same(42, p.Age, "Age");
            });
            r.Run("byvalue", "person_roundtrip", () => {
                Person p = single.Birthday(new Person("Erin", 29));
                Runner.True(p != null, "Birthday returned null");
                Runner.Same("Erin", p.Name, "Name");
                Runner.Same(30, p.Age, "Age");
            });
            r.Run("byvalue", "person_null_roundtrip", () =>
                Runner.True(single.Birthday(null) == null, "Birthday(null) did not return null"));
            r.Run("byvalue", "person_null_name", () => {
                Person p = single.Birthday(new Person(null, -1));
                Runner.True(p != null, "Birthday returned null");
                Runner.True(p.Name == null, "Name: expected null, got <" + p.Name + ">");
                Runner.Same(0, p.Age, "Age");
            });
            r.Run("byvalue", "person_unicode_name", () => {
                Person p = singleton.GetPerson("\u00c5sa \u00d8rsted <&> \u2713", int.MaxValue);
                Runner.Same("\u00c5sa \u00d8rsted <&> \u2713", p.Name, "Name");
                Runner.Same(int.MaxValue, p.Age, "Age");
            });

            // ------------------------------------------------------- exceptions
            r.Run("exceptions", "custom_exception", () => {
                try
                {
                    single.Fail("No greeting for you");
                }
                catch (GreetingException e)
                {
                    Runner.Same(typeof(GreetingException), e.GetType(), "exception type");
                    Runner.Same("No greeting for you", e.Message, "Message");
                    Runner.Same("Hi there", e.Greeting, "custom field Greeting");
                    return;
                }
                throw new CheckFailure("Fail() returned normally");
            });
            r.Run("exceptions", "custom_exception_unicode_message", () => {
                string msg = "Kein Gru\u00df <&> \"\u2713\"";
                try { singleton.Fail(msg); }
                catch (GreetingException e)
                {
                    Runner.Same(msg, e.Message, "Message");
                    return;
                }
                throw new CheckFailure("Fail() returned normally");
            });
            r.Run("exceptions", "singleton_state_after_exception", () => {
                int before = singleton.Increment();
                try { singleton.Fail("boom"); } catch (GreetingException) { }
                Runner.Same(before + 1, singleton.Increment(), "Increment after a remote exception");
            });
            r.Run("exceptions", "calls_work_after_exception", () => {
                try { single.Fail("x"); } catch (GreetingException) { }
                Runner.Same("Hi there again", helloSoap.HelloMethod("again"), "HelloMethod after a fault");
            });

            // ----------------------------------------------------------- extras
            r.Run("extras", "unknown_uri", () => {
                IHello missing = Remote<IHello>(baseUrl + "NoSuchService.rem");
                try
                {
                    string s = missing.HelloMethod("x");
                    throw new CheckFailure("call to NoSuchService.rem returned " + s);
                }
                catch (RemotingException e)
                {
                    Console.Error.WriteLine("info: unknown_uri -> " + e.GetType().FullName + ": " + e.Message);
                    Runner.True(e.Message.IndexOf("NoSuchService.rem", StringComparison.Ordinal) >= 0,
                                "RemotingException does not mention the URI: " + e.Message);
                }
            });
            r.Run("extras", "unknown_method", () => {
                IUnknownContract u = Remote<IUnknownContract>(baseUrl + "SayHello.soap");
                try
                {
                    string s = u.NoSuchMethod("x");
                    throw new CheckFailure("NoSuchMethod returned " + s);
                }
                catch (CheckFailure) { throw; }
                catch (Exception e)
                {
                    Console.Error.WriteLine("info: unknown_method -> " + e.GetType().FullName + ": " + e.Message);
                    Runner.True(e is RemotingException || e is MissingMethodException || e is TypeLoadException
                                || e is System.Runtime.Serialization.SerializationException,
                                "unexpected exception type " + e.GetType().FullName + ": " + e.Message);
                }
            });
            r.Run("extras", "concurrent_calls", () => {
                const int threads = 6, calls = 20;
                List<string> errors = new List<string>();
                Thread[] ts = new Thread[threads];
                for (int t = 0; t < threads; t++)
                {
                    int id = t;
                    ts[t] = new Thread(() => {
                        try
                        {
                            for (int k = 0; k < calls; k++)
                            {
                                string want = "Hi there t" + id + "c" + k;
                                string got = helloSoap.HelloMethod("t" + id + "c" + k);
                                if (got != want) lock (errors) errors.Add(got + " != " + want);
                            }
                        }
                        catch (Exception e) { lock (errors) errors.Add(e.GetType().Name + ": " + e.Message); }
                    });
                    ts[t].Start();
                }
                foreach (Thread t in ts) t.Join();
                Runner.True(errors.Count == 0, errors.Count + " errors, first: " + (errors.Count > 0 ? errors[0] : ""));
            });
            r.Run("extras", "concurrent_singleton_increments", () => {
                const int threads = 4, calls = 25;
                List<int> seen = new List<int>();
                List<string> errors = new List<string>();
                int start = singleton.Increment();
                Thread[] ts = new Thread[threads];
                for (int t = 0; t < threads; t++)
                {
                    ts[t] = new Thread(() => {
                        try { for (int k = 0; k < calls; k++) { int v = singleton.Increment(); lock (seen) seen.Add(v); } }
                        catch (Exception e) { lock (errors) errors.Add(e.GetType().Name + ": " + e.Message); }
                    });
                    ts[t].Start();
                }
                foreach (Thread t in ts) t.Join();
                Runner.True(errors.Count == 0, errors.Count + " errors, first: " + (errors.Count > 0 ? errors[0] : ""));
                seen.Sort();
                for (int k = 0; k < seen.Count; k++)
                    Runner.Same(start + 1 + k, seen[k], "sorted concurrent Increment results, position " + k);
            });
            r.Run("extras", "async_delegate_call", () => {
                Func<string, string> call = helloRem.HelloMethod;
                IAsyncResult ar = call.BeginInvoke("async", null, null);
                Runner.True(ar.AsyncWaitHandle.WaitOne(30000), "BeginInvoke did not complete in 30 s");
                Runner.Same("Hi there async", call.EndInvoke(ar), "EndInvoke");
            });

            // -------------------------------------------- client-activated objects, leases, ObjRefs
            object[] at = { new UrlAttribute(baseUrl) };
            ICounter alpha = null;
            r.Run("cao", "cao_create_with_ctor_arg", () => {
                alpha = (ICounter)Activator.CreateInstance(ServerMetadata.ClientActivatedObject, new object[] { "alpha" }, at);
                Runner.True(RemotingServices.IsTransparentProxy(alpha), "the activated object is not a transparent proxy");
                Runner.Same("alpha", alpha.GetName(), "GetName of the object activated with \"alpha\"");
                ObjRef or = RemotingServices.GetObjRefForProxy((MarshalByRefObject)alpha);
                Console.Error.WriteLine("info: CAO alpha ObjRef URI=" + (or != null ? or.URI : "?"));
            });
            r.Run("cao", "cao_keeps_state", () => {
                Runner.True(alpha != null, "no CAO (activation failed)");
                int a = alpha.Increment(), b = alpha.Increment();
                Runner.True(a == 1 && b == 2, string.Format("Increment x2 = {0},{1}; want 1,2", a, b));
            });
            r.Run("cao", "cao_instances_independent", () => {
                Runner.True(alpha != null, "no CAO (activation failed)");
                ICounter beta = (ICounter)Activator.CreateInstance(ServerMetadata.ClientActivatedObject,
                                                                   new object[] { "beta" }, at);
                Runner.Same("beta", beta.GetName(), "beta GetName");
                Runner.Same(1, beta.Increment(), "beta first Increment");
                Runner.Same(3, alpha.Increment(), "alpha third Increment");
                Runner.Same(2, beta.Increment(), "beta second Increment");
                Runner.Same("alpha", alpha.GetName(), "alpha GetName");
            });
            ILease alphaLease = null;
            r.Run("cao", "cao_lease_settings", () => {
                Runner.True(alpha != null, "no CAO (activation failed)");
                alphaLease = (ILease)RemotingServices.GetLifetimeService((MarshalByRefObject)alpha);
                Runner.True(alphaLease != null, "GetLifetimeService returned null");
                Console.Error.WriteLine("info: alpha lease initial={0} renewOnCall={1} sponsorshipTimeout={2} current={3} state={4}",
                    alphaLease.InitialLeaseTime, alphaLease.RenewOnCallTime, alphaLease.SponsorshipTimeout,
                    alphaLease.CurrentLeaseTime, alphaLease.CurrentState);
                Runner.Same(TimeSpan.FromSeconds(5), alphaLease.InitialLeaseTime, "InitialLeaseTime");
                Runner.Same(TimeSpan.FromSeconds(2), alphaLease.RenewOnCallTime, "RenewOnCallTime");
                Runner.Same(TimeSpan.FromSeconds(2), alphaLease.SponsorshipTimeout, "SponsorshipTimeout");
                Runner.Same(LeaseState.Active, alphaLease.CurrentState, "CurrentState");
                TimeSpan current = alphaLease.CurrentLeaseTime;
                Runner.True(current > TimeSpan.Zero && current <= TimeSpan.FromSeconds(5),
                            "CurrentLeaseTime " + current + " not in (0, 5 s]");
            });
            r.Run("cao", "cao_lease_renew", () => {
                Runner.True(alphaLease != null, "no lease (cao_lease_settings failed)");
                TimeSpan renewed = alphaLease.Renew(TimeSpan.FromSeconds(30));
                TimeSpan current = alphaLease.CurrentLeaseTime;
                Console.Error.WriteLine("info: alpha lease after Renew(30 s): returned {0}, CurrentLeaseTime {1}", renewed, current);
                Runner.True(renewed > TimeSpan.FromSeconds(20), "Renew(30 s) returned " + renewed);
                Runner.True(current > TimeSpan.FromSeconds(20), "CurrentLeaseTime after Renew(30 s) is " + current);
                Runner.Same(4, alpha.Increment(), "alpha Increment after Renew");
            });
            IFactory factory = Remote<IFactory>(baseUrl + "FactoryService.rem");
            ICounter made = null;
            r.Run("cao", "cao_factory_returns_proxy", () => {
                made = factory.CreateCounter("made");
                Runner.True(made != null, "CreateCounter returned null");
                Runner.True(RemotingServices.IsTransparentProxy(made), "CreateCounter's result is not a transparent proxy");
                Runner.Same("made", made.GetName(), "GetName");
                Runner.Same(1, made.Increment(), "first Increment");
                Runner.Same(2, made.Increment(), "second Increment");
                ICounter other = factory.CreateCounter("other");
                Runner.Same(1, other.Increment(), "a second counter from the factory is independent");
            });
            r.Run("cao", "cao_proxy_passed_back", () => {
                Runner.True(made != null, "no counter (cao_factory_returns_proxy failed)");
                string d = factory.Describe(made);
                Runner.True(d != null && d.EndsWith("|local", StringComparison.Ordinal),
                            "Describe(counter): the proxy did not arrive as the server's own object: " + d);
                Runner.Same("made=2|local", d, "Describe(counter)");
                Runner.Same(3, made.Increment(), "Increment after Describe");
                Runner.Same("made=3|local", factory.Describe(made), "Describe after one more Increment");
                Runner.Same("<null>", factory.Describe(null), "Describe(null)");
            });
            r.Run("cao", "cao_call_after_lease_expiry_fails", () => {
                ICounter doomed = (ICounter)Activator.CreateInstance(ServerMetadata.ClientActivatedObject,
                                                                     new object[] { "doomed" }, at);
                Runner.Same(1, doomed.Increment(), "first Increment");
                // 5 s initial lease, lease manager polling every second: gone after ~6 s idle.
                Thread.Sleep(8000);
                try
                {
                    int v = doomed.Increment();
                    throw new CheckFailure("call succeeded (returned " + v + ") 8 s after the last call; the 5 s lease should have expired");
                }
                catch (RemotingException e)
                {
                    Console.Error.WriteLine("info: expired CAO call failed as expected: " + e.GetType().FullName + ": " + e.Message);
                }
                // alpha's lease was renewed to 30 s: still alive.
                if (alpha != null) Runner.Same("alpha", alpha.GetName(), "alpha (renewed lease) after the wait");
            });

            // ------------------------------------------------- sponsors called back (TCP only)
            if (tcp)
            {
                CountingSponsor sponsor = new CountingSponsor();
                ICounter sponsored = null;
                r.Run("sponsor", "sponsor_registered", () => {
                    sponsored = (ICounter)Activator.CreateInstance(ServerMetadata.ClientActivatedObject,
                                                                   new object[] { "sponsored" }, at);
                    ILease lease = (ILease)RemotingServices.GetLifetimeService((MarshalByRefObject)sponsored);
                    Runner.True(lease != null, "GetLifetimeService returned null");
                    lease.Register(sponsor);
                    Runner.Same(1, sponsored.Increment(), "first Increment");
                });
                r.Run("sponsor", "sponsor_called_back", () => {
                    Runner.True(sponsored != null, "no sponsored object (sponsor_registered failed)");
                    // 5 s lease, no calls, lease manager polling every second: expired unless renewed.
                    Thread.Sleep(9000);
                    Runner.True(sponsor.Calls > 0, "the server never called the sponsor's Renewal");
                    Runner.Same("lease", sponsor.LastLeaseState, "the lease passed to Renewal");
                });
                r.Run("sponsor", "sponsor_kept_object_alive", () => {
                    Runner.True(sponsored != null, "no sponsored object (sponsor_registered failed)");
                    Runner.Same(2, sponsored.Increment(), "Increment 9 s after the last call, lease renewed by the sponsor");
                });
            }

            if (list) return 0;
            Console.WriteLine("{0} passed, {1} failed", r.Passed, r.Failed);
            return r.Failed == 0 && r.Passed > 0 ? 0 : 1;
        }
    }
}
