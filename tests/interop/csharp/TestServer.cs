// Mono .NET Remoting test server for the Python client interop tests.
//
//   mono TestServer.exe PORT [--tcp] [--verbose]
//
// HttpChannel on 127.0.0.1:PORT, SOAP formatter (TypeFilterLevel.Full),
// CustomErrorsMode Off. With --tcp: a TcpChannel on 127.0.0.1:PORT instead, with the
// binary formatter first and the SOAP formatter after it (what .NET's TcpChannel
// allows: each request is read by the formatter its Content-Type names).
// Objects (same contract as the reference peer):
//   SayHello.soap, SayHello.rem   HelloServer       SingleCall
//   SingleCallService.rem         SingleCallObject  SingleCall
//   SingletonService.rem          SingletonObject   Singleton (infinite lease)
//   RemoteActivationService.rem   ClientActivatedObject  client-activated (RegisterActivatedServiceType):
//                                 ctor(string name), ICounter, lease 5 s / 2 s / 2 s;
//                                 the lease manager polls every second.
//   FactoryService.rem            FactoryService    Singleton (IFactory): CreateCounter returns a new
//                                 ClientActivatedObject by reference; Describe(counter) answers
//                                 "name=count|local" for the server's own object, "|remote" for a proxy.
// Clients activate the CAO by the name "RemotingPeer.ClientActivatedObject, PeerServer"
// (the reference server's assembly); this assembly answers to that name too.
// Prints "READY port=N pid=P" on stdout once it listens; runs until killed.
using System;
using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.Remoting;
using System.Runtime.Remoting.Channels;
using System.Runtime.Remoting.Channels.Http;
using System.Runtime.Remoting.Channels.Tcp;
using System.Runtime.Remoting.Lifetime;
using System.Runtime.Remoting.Messaging;
using System.Runtime.Serialization.Formatters;
using System.Text;
using System.Threading;
using System.Xml;

namespace RemotingPeer
{
    static class Trace
    {
        public static bool On;

        public static void Log(string message)
        {
            if (On) Console.Error.WriteLine("[server] " + message);
        }
    }

    public class HelloServer : MarshalByRefObject, IHello
    {
        public string HelloMethod(string name)
        {
            Trace.Log("HelloMethod(" + (name ?? "<null>") + ")");
            return "Hi there " + name;
        }
    }

    public abstract class RemoteServiceBase : MarshalByRefObject, IRemoteService
    {
        static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
        int calls;

        public int Increment()
        {
            return Interlocked.Increment(ref calls);
        }

        public string GetRemoteObjectType()
        {
            return GetType().FullName;
        }

        public int GetProcessId()
        {
            return Process.GetCurrentProcess().Id;
        }

        public string Echo(int i, double d, bool b, string s, DateTime t)
        {
            return i.ToString(Inv) + "|" + d.ToString("R", Inv) + "|" + (b ? "True" : "False") + "|"
                + (s ?? "<null>") + "|"
                + t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", Inv) + "|" + t.Kind;
        }

        public string EchoMore(long l, float f, decimal m, char c, byte by, short sh,
                               TimeSpan ts, byte[] bytes, string nullString, DayOfWeek e)
        {
            string hex = bytes == null ? "<null>" : BitConverter.ToString(bytes).Replace("-", "").ToLowerInvariant();
            string[] parts = {
                l.ToString(Inv), f.ToString("R", Inv), m.ToString(Inv), ((int)c).ToString(Inv),
                by.ToString(Inv), sh.ToString(Inv), ts.Ticks.ToString(Inv), hex,
                nullString == null ? "<null>" : "[" + nullString + "]", e.ToString()
            };
            return string.Join("|", parts);
        }

        public int[] Reverse(int[] a)
        {
            if (a == null) return null;
            int[] copy = new int[a.Length];
            for (int k = 0; k < a.Length; k++) copy[k] = a[a.Length - 1 - k];
            return copy;
        }

        public void Fail(string message)
        {
            Trace.Log("Fail(" + message + ")");
            throw new GreetingException(message, "Hi there");
        }

        public Person GetPerson(string name, int age)
        {
            return new Person(name, age);
        }

        public Person Birthday(Person p)
        {
            return p == null ? null : new Person(p.Name, p.Age + 1);
        }
    }

    public class SingleCallObject : RemoteServiceBase
    {
    }

    public class SingletonObject : RemoteServiceBase
    {
        // Never expires.
        public override object InitializeLifetimeService()
        {
            return null;
        }
    }

    // Client-activated: one server instance per Activator.CreateInstance / create_instance.
    public class ClientActivatedObject : MarshalByRefObject, ICounter
    {
        readonly string name;
        int counter;

        public ClientActivatedObject(string name)
        {
            this.name = name;
            Trace.Log("ClientActivatedObject(" + (name ?? "<null>") + ") activated");
        }

        public int Increment()
        {
            return Interlocked.Increment(ref counter);
        }

        public string GetName()
        {
            return name;
        }

        internal int Count
        {
            get { return Volatile.Read(ref counter); }
        }

        public override object InitializeLifetimeService()
        {
            ILease lease = (ILease)base.InitializeLifetimeService();
            if (lease.CurrentState == LeaseState.Initial)
            {
                lease.InitialLeaseTime = TimeSpan.FromSeconds(5);
                lease.RenewOnCallTime = TimeSpan.FromSeconds(2);
                lease.SponsorshipTimeout = TimeSpan.FromSeconds(2);
            }
            return lease;
        }
    }

    public class FactoryService : MarshalByRefObject, IFactory
    {
        public override object InitializeLifetimeService()
        {
            return null;
        }

        public ICounter CreateCounter(string name)
        {
            return new ClientActivatedObject(name);
        }

        public string Describe(ICounter counter)
        {
            if (counter == null) return "<null>";
            ClientActivatedObject local = counter as ClientActivatedObject;
            bool isLocal = local != null && !RemotingServices.IsTransparentProxy(counter);
            return counter.GetName() + "=" + (isLocal ? local.Count.ToString(CultureInfo.InvariantCulture) : "?")
                + "|" + (isLocal ? "local" : "remote");
        }
    }

    // Mono 6.8's SoapFormatter cannot deserialize an xsd:dateTime (DateTime's
    // ISerializable fixup runs with a null SerializationInfo and throws). This
    // sink, placed in front of the SOAP formatter sink, rewrites every
    // xsi:type whose value is the XSD dateTime QName into xsd:string; the
    // method-call builder then converts the string parameter to DateTime.
    // Only the request as seen by this server changes, never the wire.
    public class XsdDateTimeAsStringSinkProvider : IServerChannelSinkProvider
    {
        public IServerChannelSinkProvider Next { get; set; }

        public IServerChannelSink CreateSink(IChannelReceiver channel)
        {
            return new XsdDateTimeAsStringSink(Next == null ? null : Next.CreateSink(channel));
        }

        public void GetChannelData(IChannelDataStore channelData)
        {
        }
    }

    public class XsdDateTimeAsStringSink : IServerChannelSink
    {
        const string XsiNs = "http://www.w3.org/2001/XMLSchema-instance";
        const string XsdNs = "http://www.w3.org/2001/XMLSchema";
        readonly IServerChannelSink next;

        public XsdDateTimeAsStringSink(IServerChannelSink next)
        {
            this.next = next;
        }

        public IServerChannelSink NextChannelSink { get { return next; } }
        public IDictionary Properties { get { return null; } }

        static Stream Rewrite(Stream body)
        {
            MemoryStream copy = new MemoryStream();
            body.CopyTo(copy);
            byte[] raw = copy.ToArray();
            if (Encoding.UTF8.GetString(raw).IndexOf("dateTime", StringComparison.Ordinal) < 0)
                return new MemoryStream(raw);
            try
            {
                XmlDocument doc = new XmlDocument();
                doc.PreserveWhitespace = true;
                doc.Load(new MemoryStream(raw));
                int changed = 0;
                foreach (XmlAttribute attr in doc.SelectNodes("//@*"))
                {
                    if (attr.NamespaceURI != XsiNs || attr.LocalName != "type") continue;
                    string value = attr.Value.Trim();
                    int colon = value.IndexOf(':');
                    string prefix = colon < 0 ? "" : value.Substring(0, colon);
                    string local = colon < 0 ? value : value.Substring(colon + 1);
                    if (local != "dateTime" || attr.OwnerElement.GetNamespaceOfPrefix(prefix) != XsdNs) continue;
                    attr.Value = (prefix.Length > 0 ? prefix + ":" : "") + "string";
                    changed++;
                }
                if (changed == 0) return new MemoryStream(raw);
                Trace.Log("retyped " + changed + " xsd:dateTime value(s) as xsd:string");
                MemoryStream output = new MemoryStream();
                XmlWriterSettings settings = new XmlWriterSettings();
                settings.Encoding = new UTF8Encoding(false);
                settings.OmitXmlDeclaration = true;
                using (XmlWriter w = XmlWriter.Create(output, settings)) doc.Save(w);
                output.Position = 0;
                return output;
            }
            catch (XmlException)
            {
                return new MemoryStream(raw);   // let the formatter report the bad XML
            }
        }

        public ServerProcessing ProcessMessage(IServerChannelSinkStack sinkStack, IMessage requestMsg,
            ITransportHeaders requestHeaders, Stream requestStream, out IMessage responseMsg,
            out ITransportHeaders responseHeaders, out Stream responseStream)
        {
            string contentType = requestHeaders == null ? null : requestHeaders["Content-Type"] as string;
            if (requestMsg == null && requestStream != null && contentType != null
                && contentType.IndexOf("text/xml", StringComparison.OrdinalIgnoreCase) >= 0)
                requestStream = Rewrite(requestStream);
            return next.ProcessMessage(sinkStack, requestMsg, requestHeaders, requestStream,
                out responseMsg, out responseHeaders, out responseStream);
        }

        public void AsyncProcessResponse(IServerResponseChannelSinkStack sinkStack, object state,
            IMessage msg, ITransportHeaders headers, Stream stream)
        {
            throw new NotSupportedException();
        }

        public Stream GetResponseStream(IServerResponseChannelSinkStack sinkStack, object state,
            IMessage msg, ITransportHeaders headers)
        {
            return null;
        }
    }

    public static class TestServerMain
    {
        public static int Main(string[] args)
        {
            int port = -1;
            bool tcp = false;
            foreach (string a in args)
            {
                if (a == "--verbose") Trace.On = true;
                else if (a == "--tcp") tcp = true;
                else if (!int.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out port))
                {
                    Console.Error.WriteLine("usage: mono TestServer.exe PORT [--tcp] [--verbose]");
                    return 2;
                }
            }
            if (port <= 0)
            {
                Console.Error.WriteLine("usage: mono TestServer.exe PORT [--tcp] [--verbose]");
                return 2;
            }

            RemotingConfiguration.CustomErrorsMode = CustomErrorsModes.Off;
            // The default poll of 10 s would let a 5 s lease live up to 15 s.
            LifetimeServices.LeaseManagerPollTime = TimeSpan.FromSeconds(1);

            // This program is assembly "TestServer" (mcs names it after its output), but callers
            // activate and call the CAO by its reference name "..., PeerServer" (the assembly of the
            // reference peer's server): answer to that name with this assembly.
            Assembly self = typeof(ClientActivatedObject).Assembly;
            AppDomain.CurrentDomain.AssemblyResolve += (sender, e) =>
                new AssemblyName(e.Name).Name == "PeerServer" ? self : null;

            SoapServerFormatterSinkProvider soap = new SoapServerFormatterSinkProvider();
            soap.TypeFilterLevel = TypeFilterLevel.Full;
            XsdDateTimeAsStringSinkProvider serverChain = new XsdDateTimeAsStringSinkProvider();
            serverChain.Next = soap;

            Hashtable props = new Hashtable();
            props["name"] = tcp ? "tcp" : "http";
            props["port"] = port;
            props["bindTo"] = "127.0.0.1";
            props["machineName"] = "127.0.0.1";
            if (tcp)
            {
                BinaryServerFormatterSinkProvider binary = new BinaryServerFormatterSinkProvider();
                binary.TypeFilterLevel = TypeFilterLevel.Full;
                binary.Next = serverChain;
                ChannelServices.RegisterChannel(new TcpChannel(props, new BinaryClientFormatterSinkProvider(), binary), false);
            }
            else
            {
                HttpChannel channel = new HttpChannel(props, new SoapClientFormatterSinkProvider(), serverChain);
                ChannelServices.RegisterChannel(channel, false);
            }

            RemotingConfiguration.RegisterWellKnownServiceType(typeof(HelloServer), "SayHello.soap",
                WellKnownObjectMode.SingleCall);
            RemotingConfiguration.RegisterWellKnownServiceType(typeof(HelloServer), "SayHello.rem",
                WellKnownObjectMode.SingleCall);
            RemotingConfiguration.RegisterWellKnownServiceType(typeof(SingleCallObject), "SingleCallService.rem",
                WellKnownObjectMode.SingleCall);
            RemotingConfiguration.RegisterWellKnownServiceType(typeof(SingletonObject), "SingletonService.rem",
                WellKnownObjectMode.Singleton);
            RemotingConfiguration.RegisterActivatedServiceType(typeof(ClientActivatedObject));
            RemotingConfiguration.RegisterWellKnownServiceType(typeof(FactoryService), "FactoryService.rem",
                WellKnownObjectMode.Singleton);

            Console.WriteLine("READY port={0} pid={1} channel={2}", port, Process.GetCurrentProcess().Id, tcp ? "tcp" : "http");
            Console.Out.Flush();
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }
    }
}
