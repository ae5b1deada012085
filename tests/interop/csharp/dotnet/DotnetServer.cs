// Mono .NET Remoting server for the .NET-types interop tests (DotnetContract.cs).
//
//   mono DotnetServer.exe PORT
//
// HttpChannel on 127.0.0.1:PORT with the SOAP and the binary server formatter (TypeFilterLevel.Full),
// CustomErrorsMode Off. DotnetService (Singleton) at DotnetService.soap and DotnetService.rem.
// Prints "READY port=N pid=P" once it listens; runs until killed.
using System;
using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Remoting;
using System.Runtime.Remoting.Channels;
using System.Runtime.Remoting.Channels.Http;
using System.Runtime.Serialization.Formatters;
using System.Threading;

namespace DotnetInterop
{
    public class DotnetService : MarshalByRefObject, IDotnetService
    {
        public override object InitializeLifetimeService() { return null; }

        public Person[] GetPeople() { return new Person[] { new Person("Ann", 30), null, new Person("Bob", 40) }; }
        public Person[] EchoPeople(Person[] people) { return people; }
        public string[] GetStrings() { return new string[] { "a", null, "b" }; }
        public string[] EchoStrings(string[] items) { return items; }
        public int[] GetInts() { return new int[] { 1, -2, int.MaxValue }; }
        public int[] EchoInts(int[] items) { return items; }
        public double[] EchoDoubles(double[] items) { return items; }
        public Color[] EchoColors(Color[] items) { return items; }
        public DateTime[] EchoDates(DateTime[] items) { return items; }
        public Team GetTeam() { return Samples.Team(); }
        public Team EchoTeam(Team team) { return team; }
        public string EchoText(string text) { return text; }
        public string CodeUnits(string text) { return Samples.CodeUnits(text); }
        public void Throw(string kind, string message) { throw Samples.Exception(kind, message); }
    }

    public static class DotnetServerMain
    {
        public static int Main(string[] args)
        {
            int port;
            if (args.Length < 1 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                Console.Error.WriteLine("usage: mono DotnetServer.exe PORT");
                return 2;
            }
            RemotingConfiguration.CustomErrorsMode = CustomErrorsModes.Off;

            SoapServerFormatterSinkProvider soap = new SoapServerFormatterSinkProvider();
            soap.TypeFilterLevel = TypeFilterLevel.Full;
            BinaryServerFormatterSinkProvider binary = new BinaryServerFormatterSinkProvider();
            binary.TypeFilterLevel = TypeFilterLevel.Full;
            soap.Next = binary;

            Hashtable props = new Hashtable();
            props["name"] = "http";
            props["port"] = port;
            props["bindTo"] = "127.0.0.1";
            props["machineName"] = "127.0.0.1";
            ChannelServices.RegisterChannel(new HttpChannel(props, new SoapClientFormatterSinkProvider(), soap), false);

            RemotingServices.Marshal(new DotnetService(), "DotnetService.soap");
            RemotingServices.Marshal(new DotnetService(), "DotnetService.rem");

            Console.WriteLine("READY port={0} pid={1}", port, Process.GetCurrentProcess().Id);
            Console.Out.Flush();
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }
    }
}
