// Mono .NET Remoting client for the .NET-types interop tests (DotnetContract.cs).
//
//   mono DotnetClient.exe URL [--binary] [--group G]... [--python-details|--python-hidden]
//
// URL is the IDotnetService object's address. Groups: arrays (typed arrays as return values,
// arguments and members), text (CR and CRLF in strings), exceptions (mscorlib's exceptions caught as
// their real types, with ParamName, ActualValue and HResult) and, against the Python server only,
// python (Python's own exceptions: mapped to .NET's with --python-details, hidden behind customErrors
// with --python-hidden). Prints "PASS name" or "FAIL name: reason" per check, then "N passed, M failed";
// exit status 0 only if every check passed.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.Remoting;
using System.Runtime.Remoting.Channels;
using System.Runtime.Remoting.Channels.Http;
using System.Runtime.Remoting.Messaging;

namespace DotnetInterop.Tests
{
    sealed class CheckFailure : Exception
    {
        public CheckFailure(string message) : base(message) { }
    }

    // For --binary: Mono's binary client formatter sink leaves the reply stream open, which stalls the
    // next call on the connection; this sink reads each reply to its end first (bytes unchanged).
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

        public ReplyBufferSink(IClientChannelSink transport) { this.transport = transport; }

        public IClientChannelSink NextChannelSink { get { return transport; } }

        static Stream Buffered(Stream reply)
        {
            if (reply == null) return null;
            MemoryStream copy = new MemoryStream();
            using (reply) reply.CopyTo(copy);
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
            sinkStack.Push(this, null);
            transport.AsyncProcessRequest(sinkStack, msg, headers, stream);
        }

        public void AsyncProcessResponse(IClientResponseChannelSinkStack sinkStack, object state,
                                         ITransportHeaders headers, Stream stream)
        {
            sinkStack.AsyncProcessResponse(headers, Buffered(stream));
        }

        public Stream GetRequestStream(IMessage msg, ITransportHeaders headers) { return null; }
    }

    public static class DotnetClient
    {
        static int passed, failed;
        static HashSet<string> groups = new HashSet<string>();

        static void Check(string group, string name, Action body)
        {
            if (groups.Count > 0 && !groups.Contains(group)) return;
            try
            {
                body();
                Console.WriteLine("PASS " + name);
                passed++;
            }
            catch (Exception e)
            {
                string reason = e is CheckFailure ? e.Message : e.GetType().FullName + ": " + e.Message;
                Console.WriteLine("FAIL " + name + ": " + reason.Replace("\r", "\\r").Replace("\n", "\\n"));
                if (!(e is CheckFailure)) Console.Error.WriteLine("--- " + name + " ---\n" + e);
                failed++;
            }
        }

        static void Expect(bool ok, string what)
        {
            if (!ok) throw new CheckFailure(what);
        }

        static string Show(object value)
        {
            if (value == null) return "<null>";
            Array array = value as Array;
            if (array != null)
            {
                List<string> items = new List<string>();
                foreach (object item in array) items.Add(Show(item));
                return value.GetType().Name + "{" + string.Join(", ", items) + "}";
            }
            if (value is double) return ((double)value).ToString("R", CultureInfo.InvariantCulture);
            if (value is DateTime) return ((DateTime)value).ToString("o", CultureInfo.InvariantCulture);
            if (value is IFormattable) return ((IFormattable)value).ToString(null, CultureInfo.InvariantCulture);
            return value.ToString();
        }

        static void Same(object expected, object got, string what)
        {
            Expect(Show(expected) == Show(got), what + ": expected " + Show(expected) + ", got " + Show(got));
        }

        static void SameTeam(Team expected, Team got)
        {
            Expect(got != null, "team is null");
            Same(expected.Name, got.Name, "Name");
            Same(expected.Members, got.Members, "Members");
            Same(expected.Tags, got.Tags, "Tags");
            Same(expected.Scores, got.Scores, "Scores");
            Same(expected.Ratings, got.Ratings, "Ratings");
            Same(expected.Ids, got.Ids, "Ids");
            Same(expected.Flags, got.Flags, "Flags");
            Same(expected.Prices, got.Prices, "Prices");
            Same(expected.Spans, got.Spans, "Spans");
            Same(expected.Colors, got.Colors, "Colors");
        }

        // The real HRESULTs of .NET Framework's exceptions.
        static readonly Dictionary<string, int> HResults = new Dictionary<string, int>
        {
            { "ArgumentException", unchecked((int)0x80070057) },
            { "ArgumentNullException", unchecked((int)0x80004003) },
            { "ArgumentOutOfRangeException", unchecked((int)0x80131502) },
            { "InvalidOperationException", unchecked((int)0x80131509) },
            { "NotSupportedException", unchecked((int)0x80131515) },
            { "NotImplementedException", unchecked((int)0x80004001) },
            { "KeyNotFoundException", unchecked((int)0x80131577) },
            { "FormatException", unchecked((int)0x80131537) },
            { "ArithmeticException", unchecked((int)0x80070216) },
            { "OverflowException", unchecked((int)0x80131516) },
            { "DivideByZeroException", unchecked((int)0x80020012) },
            { "TimeoutException", unchecked((int)0x80131505) },
            { "UnauthorizedAccessException", unchecked((int)0x80070005) },
            { "IOException", unchecked((int)0x80131620) },
            { "SystemException", unchecked((int)0x80131501) },
        };

        static Exception Catch(Action call)
        {
            try
            {
                call();
            }
            catch (Exception e)
            {
                return e;
            }
            throw new CheckFailure("no exception");
        }

        static void ExpectException(Exception e, Type type, string message)
        {
            Expect(e.GetType() == type, "caught " + e.GetType().FullName + " (" + e.Message + "), expected " + type.FullName);
            Expect(e.Message.StartsWith(message, StringComparison.Ordinal), "Message " + e.Message);
        }

        public static int Main(string[] args)
        {
            if (args.Length < 1)
            {
                Console.Error.WriteLine("usage: mono DotnetClient.exe URL [--binary] [--group G]... [--python-details|--python-hidden]");
                return 2;
            }
            string url = args[0];
            bool binary = false;
            string python = null;
            for (int i = 1; i < args.Length; i++)
            {
                if (args[i] == "--binary") binary = true;
                else if (args[i] == "--group" && i + 1 < args.Length) groups.Add(args[++i]);
                else if (args[i] == "--python-details") python = "details";
                else if (args[i] == "--python-hidden") python = "hidden";
            }
            IClientChannelSinkProvider formatter;
            if (binary)
            {
                formatter = new BinaryClientFormatterSinkProvider();
                formatter.Next = new ReplyBufferSinkProvider();
            }
            else
            {
                formatter = new SoapClientFormatterSinkProvider();
            }
            ChannelServices.RegisterChannel(new HttpClientChannel(new Dictionary<string, object>(), formatter), false);
            IDotnetService svc = (IDotnetService)Activator.GetObject(typeof(IDotnetService), url);

            // ------------------------------------------------------------ typed arrays
            Check("arrays", "people_return", () =>
            {
                Person[] people = svc.GetPeople();
                Same(new Person[] { new Person("Ann", 30), null, new Person("Bob", 40) }, people, "GetPeople");
            });
            Check("arrays", "people_argument", () =>
            {
                Person[] people = { new Person("Cy", 1), null, new Person("Di", 2), new Person("Cy", 1) };
                Same(people, svc.EchoPeople(people), "EchoPeople");
            });
            Check("arrays", "people_empty", () => Same(new Person[0], svc.EchoPeople(new Person[0]), "EchoPeople({})"));
            Check("arrays", "people_null", () => Same(null, svc.EchoPeople(null), "EchoPeople(null)"));
            Check("arrays", "strings_return", () => Same(new string[] { "a", null, "b" }, svc.GetStrings(), "GetStrings"));
            Check("arrays", "strings_argument", () =>
            {
                string[] items = { "x", "", null, "Zoë <&>" };
                Same(items, svc.EchoStrings(items), "EchoStrings");
            });
            Check("arrays", "ints_return", () => Same(new int[] { 1, -2, int.MaxValue }, svc.GetInts(), "GetInts"));
            Check("arrays", "ints_argument", () =>
            {
                int[] items = { int.MinValue, 0, 7 };
                Same(items, svc.EchoInts(items), "EchoInts");
            });
            Check("arrays", "doubles_argument", () =>
            {
                double[] items = { 0.1, -2.5e300, double.PositiveInfinity };
                Same(items, svc.EchoDoubles(items), "EchoDoubles");
            });
            Check("arrays", "enums_argument", () =>
            {
                Color[] items = { Color.Green, Color.Blue };
                Same(items, svc.EchoColors(items), "EchoColors");
            });
            if (binary) Check("arrays", "dates_argument", () =>
            {
                DateTime[] items = { new DateTime(2024, 2, 29, 12, 0, 0, DateTimeKind.Utc), new DateTime(1999, 12, 31) };
                Same(items, svc.EchoDates(items), "EchoDates");
            });
            Check("arrays", "members_return", () => SameTeam(Samples.Team(), svc.GetTeam()));
            Check("arrays", "members_argument", () => SameTeam(Samples.Team(), svc.EchoTeam(Samples.Team())));

            // ------------------------------------------------------------ CR and CRLF
            Check("text", "cr_to_server", () => Same("61 0D 62", svc.CodeUnits("a\rb"), "CodeUnits(a\\rb)"));
            Check("text", "crlf_to_server", () => Same("61 0D 0A 62", svc.CodeUnits("a\r\nb"), "CodeUnits(a\\r\\nb)"));
            Check("text", "trailing_cr_to_server", () => Same("78 0D", svc.CodeUnits("x\r"), "CodeUnits(x\\r)"));
            Check("text", "cr_round_trip", () =>
            {
                string text = "one\rtwo\r\nthree\n\r";
                Same(Samples.CodeUnits(text), Samples.CodeUnits(svc.EchoText(text)), "EchoText");
            });

            // ------------------------------------------------------------ mscorlib's exceptions
            foreach (KeyValuePair<string, int> entry in HResults)
            {
                string kind = entry.Key;
                int hresult = entry.Value;
                Check("exceptions", "throws_" + kind, () =>
                {
                    string message = "bad " + kind;
                    Exception e = Catch(() => svc.Throw(kind, message));
                    Exception expected = Samples.Exception(kind, message);
                    ExpectException(e, expected.GetType(), message);
                    Expect(e.HResult == hresult, "HResult " + e.HResult.ToString("X8") + ", expected " + hresult.ToString("X8"));
                    ArgumentException arg = e as ArgumentException;
                    if (arg != null) Same("name", arg.ParamName, "ParamName");
                    // Mono's SOAP reader drops typed value-type members of an exception's SerializationInfo
                    // (an xsi:type="xsd:int" ActualValue arrives as 0, a decimal as 0): binary only.
                    ArgumentOutOfRangeException range = e as ArgumentOutOfRangeException;
                    if (range != null && binary) Same(42, range.ActualValue, "ActualValue");
                });
            }
            Check("exceptions", "throws_RemotingException", () =>
            {
                Exception e = Catch(() => svc.Throw("RemotingException", "bad remoting"));
                ExpectException(e, typeof(RemotingException), "bad remoting");
            });

            // ------------------------------------------------------------ Python's own exceptions
            if (python != null)
            {
                string[][] mapped =
                {
                    new[] { "ValueError", "System.ArgumentException" },
                    new[] { "KeyError", "System.Collections.Generic.KeyNotFoundException" },
                    new[] { "IndexError", "System.ArgumentOutOfRangeException" },
                    new[] { "NotImplementedError", "System.NotImplementedException" },
                    new[] { "TimeoutError", "System.TimeoutException" },
                    new[] { "PermissionError", "System.UnauthorizedAccessException" },
                    new[] { "ZeroDivisionError", "System.DivideByZeroException" },
                    new[] { "OverflowError", "System.OverflowException" },
                    new[] { "OSError", "System.IO.IOException" },
                };
                foreach (string[] pair in mapped)
                {
                    string kind = pair[0], type = pair[1];
                    Check("python", "python_" + kind, () =>
                    {
                        Exception e = Catch(() => svc.Throw(kind, "secret " + kind));
                        if (python == "details")
                        {
                            Expect(e.GetType().FullName == type, "caught " + e.GetType().FullName + ", expected " + type);
                            Expect(e.Message.Contains("secret " + kind), "Message " + e.Message);
                        }
                        else
                        {
                            Expect(e is RemotingException, "caught " + e.GetType().FullName + ", expected RemotingException");
                            Expect(!e.Message.Contains("secret"), "the message leaked: " + e.Message);
                        }
                    });
                }
            }

            Console.WriteLine(passed + " passed, " + failed + " failed");
            return failed == 0 && passed > 0 ? 0 : 1;
        }
    }
}
