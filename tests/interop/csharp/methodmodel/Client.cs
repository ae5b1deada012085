// A Mono .NET Remoting client of the method-model contract, run against any server (ours or Mono's).
//
//   mono MethodModelClient.exe CALCULATOR_URL PLAIN_URL [--binary]
//
// CALCULATOR_URL serves an ICalculator whose class overrides ToString ("Calculator <Name>"), Equals (same
// Name) and GetHashCode (4242); PLAIN_URL one that overrides none of them. Prints one PASS/FAIL line per
// check and ends with "N passed, M failed"; exits 0 only if nothing failed.
//
// GetHashCode is answered by the client's own proxy (Mono and .NET never send it), so the check only asks
// that it is answered. A Mono SOAP client cannot pass a proxy as an `object` argument (its SoapFormatter
// fails on the proxy's SerializationInfo), so Equals is called with a string: the Calculator's Equals is
// true for a string equal to its Name, which only the server can know.
//
// Known Mono bug worked around in --binary mode (as in ../TestClient.cs): BinaryClientFormatterSink never
// closes the reply stream, so the third call would wait for a connection forever; ReplyBufferSink reads
// each reply to its end first. The bytes on the wire do not change.
using System;
using System.Collections;
using System.IO;
using System.Runtime.Remoting;
using System.Runtime.Remoting.Channels;
using System.Runtime.Remoting.Channels.Http;
using System.Runtime.Remoting.Messaging;

namespace MethodModel
{
    public sealed class ReplyBufferSinkProvider : IClientChannelSinkProvider
    {
        public IClientChannelSinkProvider Next { get; set; }

        public IClientChannelSink CreateSink(IChannelSender channel, string url, object remoteChannelData)
        {
            return new ReplyBufferSink(Next.CreateSink(channel, url, remoteChannelData));
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

        static Stream Buffered(Stream reply)
        {
            if (reply == null) return null;
            var copy = new MemoryStream();
            using (reply) reply.CopyTo(copy);
            copy.Position = 0;
            return copy;
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
            sinkStack.Push(this, null);
            transport.AsyncProcessRequest(sinkStack, msg, headers, stream);
        }

        public void AsyncProcessResponse(IClientResponseChannelSinkStack sinkStack, object state,
                                         ITransportHeaders headers, Stream stream)
        {
            sinkStack.AsyncProcessResponse(headers, Buffered(stream));
        }

        public Stream GetRequestStream(IMessage msg, ITransportHeaders headers)
        {
            return null;
        }
    }

    static class Program
    {
        static int passed, failed;

        static void Check(string name, Func<string> run)
        {
            string problem;
            try
            {
                problem = run();
            }
            catch (Exception e)
            {
                problem = "threw " + e.GetType().FullName + ": " + e.Message;
                Console.Error.WriteLine(name + ": " + e);
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

        static string Expect(object actual, object expected)
        {
            return Equals(actual, expected) ? null : "got " + Show(actual) + ", expected " + Show(expected);
        }

        static string Show(object value)
        {
            return value == null ? "null" : value.GetType().Name + " " + value;
        }

        static int Main(string[] args)
        {
            if (args.Length < 2)
            {
                Console.Error.WriteLine("usage: MethodModelClient.exe CALCULATOR_URL PLAIN_URL [--binary]");
                return 2;
            }
            bool binary = Array.IndexOf(args, "--binary") >= 0;
            IDictionary props = new Hashtable();
            props["name"] = "methodmodel";
            props["timeout"] = 30000;
            IClientChannelSinkProvider provider = new SoapClientFormatterSinkProvider();
            if (binary)
                provider = new BinaryClientFormatterSinkProvider { Next = new ReplyBufferSinkProvider() };
            ChannelServices.RegisterChannel(new HttpClientChannel(props, provider), false);
            var calc = (ICalculator)Activator.GetObject(typeof(ICalculator), args[0]);
            var plain = (ICalculator)Activator.GetObject(typeof(ICalculator), args[1]);

            Check("out: TryParse(\"42\", out v)", () =>
            {
                int v;
                bool ok = calc.TryParse("42", out v);
                return Expect(ok, true) ?? Expect(v, 42);
            });
            Check("out: TryParse(\"x\", out v)", () =>
            {
                int v = 7;
                bool ok = calc.TryParse("x", out v);
                return Expect(ok, false) ?? Expect(v, 0);
            });
            Check("out: Divide(17, 5, out r)", () =>
            {
                int r;
                int q = calc.Divide(17, 5, out r);
                return Expect(q, 3) ?? Expect(r, 2);
            });
            Check("ref: Swap(ref a, ref b) (void)", () =>
            {
                int a = 1, b = 2;
                calc.Swap(ref a, ref b);
                return Expect(a, 2) ?? Expect(b, 1);
            });
            Check("ref+out: Rename(ref name, suffix, out length)", () =>
            {
                string name = "abc";
                int length;
                string old = calc.Rename(ref name, "-x", out length);
                return Expect(old, "abc") ?? Expect(name, "abc-x") ?? Expect(length, 5);
            });
            Check("ref+out objects: Restock(ref item, extra, out previous)", () =>
            {
                var item = new Item("apple", 3);
                Item previous;
                Item result = calc.Restock(ref item, 2, out previous);
                return Expect(result.Label, "apple!") ?? Expect(result.Count, 5) ?? Expect(item.Label, "apple")
                    ?? Expect(item.Count, 5) ?? Expect(previous.Label, "apple") ?? Expect(previous.Count, 3);
            });
            Check("overload: Add(int, int)", () => Expect(calc.Add(2, 3), 5));
            Check("overload: Add(string, string)", () => Expect(calc.Add("2", "3"), "23"));
            Check("overload: Add(double, double, double)", () => Expect(calc.Add(1.5, 2.5, 3.0), 7.0));
            Check("property: set_Name then get_Name", () =>
            {
                calc.Name = "zed";
                string got = calc.Name;
                calc.Name = "calc";
                return Expect(got, "zed");
            });
            Check("overridden ToString reaches the server", () => Expect(calc.ToString(), "Calculator calc"));
            Check("overridden Equals reaches the server", () => Expect(calc.Equals("calc"), true)
                ?? Expect(calc.Equals("other"), false));
            Check("GetHashCode: answered by the proxy", () => Expect(calc.GetHashCode(), calc.GetHashCode()));
            Check("ToString not overridden: the type name", () =>
            {
                string text = plain.ToString();
                return text != null && text.EndsWith("PlainCalculator") ? null : "got " + Show(text);
            });
            Check("Equals not overridden: identity", () => Expect(plain.Equals("calc"), false));
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }
    }
}
