// Mono .NET Remoting server of the call model contract (CallModel.cs), for our Python client.
//
//   mono CallModelServer.exe PORT [--binary-callbacks]
//
// Calls back into its callers' objects (delegates, EventSink) with the SOAP formatter, or with the binary one
// given --binary-callbacks.
// HttpChannel on 127.0.0.1:PORT with the SOAP and binary server formatters (TypeFilterLevel.Full: it takes
// delegates and references to client objects), CustomErrorsMode Off. One CallModelService each at
// CallModel.soap and CallModel.rem (sharing their state). Prints "READY port=N" once it listens; runs until killed.
using System;
using System.Collections;
using System.Runtime.Remoting;
using System.Runtime.Remoting.Channels;
using System.Runtime.Remoting.Channels.Http;
using System.Runtime.Remoting.Messaging;
using System.Runtime.Serialization.Formatters;
using System.Threading;

namespace CallModel
{
    public class CallModelService : MarshalByRefObject, ICallModel
    {
        static string lastNotice = "";
        static MessageHandler subscribers;

        public void Notify(string message)
        {
            if (message.StartsWith("sleep:"))
            {
                string ms = message.Substring(6).Split(' ')[0];
                Thread.Sleep(int.Parse(ms));
            }
            lock (typeof(CallModelService)) lastNotice = message;
        }

        public void NotifyFail(string message)
        {
            throw new InvalidOperationException("NotifyFail: " + message);
        }

        public string LastNotice()
        {
            lock (typeof(CallModelService)) return lastNotice;
        }

        public string Traced(string text)
        {
            TraceTag tag = CallContext.GetData("trace") as TraceTag;
            ArrayList names = new ArrayList();
            foreach (string name in new[] { "trace", "drop", "local", "server", "extra" })
                if (CallContext.GetData(name) != null) names.Add(name);
            string answer = text + "|" + (tag == null ? "-" : tag.Id + "|" + tag.Hops) + "|"
                + string.Join(",", (string[])names.ToArray(typeof(string)));
            if (tag != null)
            {
                tag.Hops += 1;
                CallContext.SetData("server", new TraceTag("server-" + tag.Id, 0));
            }
            CallContext.FreeNamedDataSlot("drop");
            return answer;
        }

        public string TracedFail(string text)
        {
            Traced(text);
            throw new InvalidOperationException(text);
        }

        public string[] Traced(string[] texts, ref int hops, out TraceTag seen)
        {
            TraceTag tag = CallContext.GetData("trace") as TraceTag;
            seen = tag == null ? null : new TraceTag(tag.Id, tag.Hops);
            string[] answer = new string[texts.Length];
            for (int i = 0; i < texts.Length; i++) answer[i] = texts[i] + "|" + (tag == null ? "-" : tag.Id);
            hops += 1;
            Traced("");
            return answer;
        }

        public void Subscribe(MessageHandler handler)
        {
            lock (typeof(CallModelService)) subscribers = (MessageHandler)Delegate.Combine(subscribers, handler);
        }

        public int Publish(string message)
        {
            MessageHandler all;
            lock (typeof(CallModelService)) all = subscribers;
            if (all == null) return 0;
            all(message);
            return all.GetInvocationList().Length;
        }

        public void ClearSubscribers()
        {
            lock (typeof(CallModelService)) subscribers = null;
        }

        public string CallBack(EventSink sink, string message)
        {
            sink.OnMessage(message);
            return "called";
        }

        public override object InitializeLifetimeService()
        {
            return null;
        }
    }

    public static class CallModelServer
    {
        public static int Main(string[] args)
        {
            int port = int.Parse(args[0]);
            IDictionary props = new Hashtable();
            props["port"] = port;
            props["bindTo"] = "127.0.0.1";
            props["machineName"] = "127.0.0.1";
            SoapServerFormatterSinkProvider soap = new SoapServerFormatterSinkProvider();
            soap.TypeFilterLevel = TypeFilterLevel.Full;
            BinaryServerFormatterSinkProvider binary = new BinaryServerFormatterSinkProvider();
            binary.TypeFilterLevel = TypeFilterLevel.Full;
            soap.Next = binary;
            IClientChannelSinkProvider callbacks = Array.IndexOf(args, "--binary-callbacks") >= 0
                ? (IClientChannelSinkProvider)new BinaryClientFormatterSinkProvider()
                : new SoapClientFormatterSinkProvider();
            callbacks.Next = new MonoFixSinkProvider();  // MonoFix.cs: Mono's binary client never closes a reply
            ChannelServices.RegisterChannel(new HttpChannel(props, callbacks, soap), false);
            RemotingConfiguration.CustomErrorsMode = CustomErrorsModes.Off;
            RemotingServices.Marshal(new CallModelService(), "CallModel.soap");
            RemotingServices.Marshal(new CallModelService(), "CallModel.rem");
            Console.WriteLine("READY port=" + port);
            Thread.Sleep(Timeout.Infinite);
            return 0;
        }
    }
}
