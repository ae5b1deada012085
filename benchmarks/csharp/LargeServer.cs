// The Mono .NET Remoting reference server of benchmarks/bench_large.py: the ILarge contract of
// benchmarks/large_app.py, SOAP and binary formatters on one HttpChannel (Mono's default chain order).
//
//   mono LargeShared.exe PORT
//
// Built by benchmarks/_harness.py (mcs, into benchmarks/csharp/bin/, git-ignored) as assembly "LargeShared",
// so the SOAP namespace of ILarge is http://schemas.microsoft.com/clr/nsassem/LargePeer.ILarge/LargeShared,
// as the Python contract declares it. Listens on 127.0.0.1 only; prints "READY port=N pid=P" once it
// listens; runs until killed. Payloads are built once per size, as the Python server does.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Remoting;
using System.Runtime.Remoting.Channels;
using System.Runtime.Remoting.Channels.Http;
using System.Runtime.Serialization.Formatters;
using System.Threading;

namespace LargePeer
{
    [Serializable]
    public class Item
    {
        public int Id;
        public string Name;
        public double Value;

        public Item(int id, string name, double value)
        {
            Id = id;
            Name = name;
            Value = value;
        }
    }

    public interface ILarge
    {
        byte[] GetBytes(int size);
        int PutBytes(byte[] data);
        int SumInts(int[] values);
        string[] GetStrings(int count);
        Item[] GetItems(int count);
    }

    public class LargeService : MarshalByRefObject, ILarge
    {
        static readonly Dictionary<int, byte[]> Bytes = new Dictionary<int, byte[]>();
        static readonly Dictionary<int, string[]> Strings = new Dictionary<int, string[]>();
        static readonly Dictionary<int, Item[]> Items = new Dictionary<int, Item[]>();

        public byte[] GetBytes(int size)
        {
            lock (Bytes)
            {
                byte[] found;
                if (!Bytes.TryGetValue(size, out found))
                {
                    found = new byte[size];
                    for (int i = 0; i < size; i++) found[i] = (byte)(i % 251);
                    Bytes[size] = found;
                }
                return found;
            }
        }

        public int PutBytes(byte[] data)
        {
            return data == null ? -1 : data.Length;
        }

        public int SumInts(int[] values)
        {
            int sum = 0;
            foreach (int v in values) sum += v;
            return sum;
        }

        public string[] GetStrings(int count)
        {
            lock (Strings)
            {
                string[] found;
                if (!Strings.TryGetValue(count, out found))
                {
                    found = new string[count];
                    for (int i = 0; i < count; i++) found[i] = "string number " + i.ToString(CultureInfo.InvariantCulture);
                    Strings[count] = found;
                }
                return found;
            }
        }

        public Item[] GetItems(int count)
        {
            lock (Items)
            {
                Item[] found;
                if (!Items.TryGetValue(count, out found))
                {
                    found = new Item[count];
                    for (int i = 0; i < count; i++)
                        found[i] = new Item(i, "item " + i.ToString(CultureInfo.InvariantCulture), i * 0.5);
                    Items[count] = found;
                }
                return found;
            }
        }

        public override object InitializeLifetimeService()
        {
            return null;  // a singleton that lives as long as the server
        }
    }

    public static class LargeServerMain
    {
        public static int Main(string[] args)
        {
            int port;
            if (args.Length != 1 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                Console.Error.WriteLine("usage: mono LargeShared.exe PORT");
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
            HttpChannel channel = new HttpChannel(props, new SoapClientFormatterSinkProvider(), soap);
            ChannelServices.RegisterChannel(channel, false);
            RemotingConfiguration.RegisterWellKnownServiceType(typeof(LargeService), "Large.soap",
                WellKnownObjectMode.Singleton);

            Console.WriteLine("READY port={0} pid={1}", port, Process.GetCurrentProcess().Id);
            Console.Out.Flush();
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }
    }
}
