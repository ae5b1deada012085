// A Mono .NET Remoting server of the method-model contract, for our Python client.
//
//   mono MethodModelServer.exe PORT
//
// HttpChannel on 127.0.0.1:PORT (SOAP and binary), TypeFilterLevel.Full, CustomErrorsMode Off:
//   Calculator.rem / Calculator.soap   Calculator, one instance per URI: overrides ToString, Equals, GetHashCode
//   Plain.rem / Plain.soap             PlainCalculator, one instance per URI: overrides none of them
// Prints "READY port=N" once it listens; runs until killed.
using System;
using System.Collections;
using System.Globalization;
using System.Runtime.Remoting;
using System.Runtime.Remoting.Channels;
using System.Runtime.Remoting.Channels.Http;
using System.Runtime.Serialization.Formatters;
using System.Threading;

namespace MethodModel
{
    public class PlainCalculator : MarshalByRefObject, ICalculator
    {
        string name = "calc";

        public override object InitializeLifetimeService() { return null; }

        public bool TryParse(string text, out int value)
        {
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
        }

        public int Divide(int dividend, int divisor, out int remainder)
        {
            remainder = dividend % divisor;
            return dividend / divisor;
        }

        public void Swap(ref int a, ref int b)
        {
            int t = a;
            a = b;
            b = t;
        }

        public string Rename(ref string name, string suffix, out int length)
        {
            string old = name;
            name = name + suffix;
            length = name.Length;
            return old;
        }

        public Item Restock(ref Item item, int extra, out Item previous)
        {
            previous = new Item(item.Label, item.Count);
            item = new Item(item.Label, item.Count + extra);
            return new Item(item.Label + "!", item.Count);
        }

        public int Add(int a, int b) { return a + b; }

        public string Add(string a, string b) { return a + b; }

        public double Add(double a, double b, double c) { return a + b + c; }

        public string Name
        {
            get { return name; }
            set { name = value; }
        }
    }

    public class Calculator : PlainCalculator
    {
        public override string ToString() { return "Calculator " + Name; }

        public override bool Equals(object other)
        {
            return (other is Calculator && ((Calculator)other).Name == Name) || (other as string) == Name;
        }

        public override int GetHashCode() { return 4242; }
    }

    static class Program
    {
        static int Main(string[] args)
        {
            int port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 0;
            IDictionary props = new Hashtable();
            props["port"] = port;
            props["bindTo"] = "127.0.0.1";
            props["machineName"] = "127.0.0.1";
            var soap = new SoapServerFormatterSinkProvider { TypeFilterLevel = TypeFilterLevel.Full };
            var binary = new BinaryServerFormatterSinkProvider { TypeFilterLevel = TypeFilterLevel.Full };
            soap.Next = binary;
            ChannelServices.RegisterChannel(new HttpServerChannel(props, soap), false);
            RemotingConfiguration.CustomErrorsMode = CustomErrorsModes.Off;
            RemotingServices.Marshal(new Calculator(), "Calculator.rem");
            RemotingServices.Marshal(new Calculator(), "Calculator.soap");
            RemotingServices.Marshal(new PlainCalculator(), "Plain.rem");
            RemotingServices.Marshal(new PlainCalculator(), "Plain.soap");
            Console.WriteLine("READY port=" + port);
            Console.Out.Flush();
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }
    }
}
