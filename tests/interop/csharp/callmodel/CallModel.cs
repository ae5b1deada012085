// The "call model" contract shared by CallModelServer.exe and CallModelClient.exe (assembly CallModelShared):
// one-way methods, the logical call context, delegates to a client's MarshalByRefObject, and callback objects.
// Our Python side mirrors it in examples/call_model.py.
using System;
using System.Collections;
using System.Runtime.Remoting.Messaging;

namespace CallModel
{
    // Flows with calls: an ILogicalThreadAffinative value set with CallContext.SetData.
    [Serializable]
    public class TraceTag : ILogicalThreadAffinative
    {
        public string Id;
        public int Hops;

        public TraceTag() { }

        public TraceTag(string id, int hops)
        {
            Id = id;
            Hops = hops;
        }
    }

    public delegate void MessageHandler(string message);

    // A client's callback object: the server calls OnMessage (directly, or through a MessageHandler delegate).
    public class EventSink : MarshalByRefObject
    {
        readonly ArrayList received = new ArrayList();

        public virtual void OnMessage(string message)
        {
            lock (received) received.Add(message);
        }

        public string Received()
        {
            lock (received) return string.Join(";", (string[])received.ToArray(typeof(string)));
        }

        public override object InitializeLifetimeService()
        {
            return null;
        }
    }

    public interface ICallModel
    {
        // Records message as the last notice; "sleep:N ..." sleeps N ms first.
        [OneWay]
        void Notify(string message);

        // Always throws (a one-way caller never sees it).
        [OneWay]
        void NotifyFail(string message);

        // The last notice recorded ("" for none).
        string LastNotice();

        // "text|Id|Hops|names": the "trace" TraceTag of the call context (Id "-" when absent) and the sorted
        // names of the logical call context data received. Then: trace.Hops += 1, sets "server" to
        // TraceTag("server-" + Id, 0), frees "drop".
        string Traced(string text);

        // Changes the call context as Traced(text), then throws InvalidOperationException(text): a binary reply
        // carries the changed context with the exception (a SOAP fault carries none).
        string TracedFail(string text);

        // The call context with every other shape in one call: an overload of Traced (so callers send its
        // signature) with a typed array, a ref and an out parameter (binary puts the arguments and the context
        // in one call array). Answers each text + "|" + the trace Id ("-" when absent); hops += 1; seen = a
        // copy of the trace tag as it arrived (null when absent). Then changes the context as Traced(string).
        string[] Traced(string[] texts, ref int hops, out TraceTag seen);

        // Adds handler to the subscribers; Publish calls each with message and answers their count.
        void Subscribe(MessageHandler handler);

        int Publish(string message);

        void ClearSubscribers();

        // Calls sink.OnMessage(message) and answers "called".
        string CallBack(EventSink sink, string message);
    }
}
