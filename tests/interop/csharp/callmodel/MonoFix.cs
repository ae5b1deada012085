// A client channel sink working around two Mono bugs, placed between the client formatter and the transport;
// compiled into CallModelClient.exe (its calls) and CallModelServer.exe (its callbacks). The bytes on the wire
// do not change.
//
// Mono's HttpClientChannel never sends a [OneWay] request (its transport sink writes the body but never asks
// for the response), so one-way calls go out synchronously and their reply is dropped; and Mono's binary
// client formatter never closes a reply stream (the connection is never released, and with two connections
// per host the third call hangs), so every reply is read into memory and the network stream closed (as
// TestClient.cs's ReplyBufferSink does).
using System;
using System.Collections;
using System.IO;
using System.Runtime.Remoting;
using System.Runtime.Remoting.Channels;
using System.Runtime.Remoting.Messaging;

namespace CallModel
{
    // Between the client formatter and the transport (see the comment above).
    public class MonoFixSink : IClientChannelSink
    {
        readonly IClientChannelSink next;

        public MonoFixSink(IClientChannelSink next)
        {
            this.next = next;
        }

        public IClientChannelSink NextChannelSink { get { return next; } }

        public IDictionary Properties { get { return next.Properties; } }

        static Stream Buffered(Stream reply)
        {
            if (reply == null) return null;
            MemoryStream copy = new MemoryStream();
            byte[] chunk = new byte[16 * 1024];
            using (reply)
            {
                int n;
                while ((n = reply.Read(chunk, 0, chunk.Length)) > 0) copy.Write(chunk, 0, n);
            }
            copy.Position = 0;
            return copy;
        }

        public void ProcessMessage(IMessage msg, ITransportHeaders requestHeaders, Stream requestStream,
                                   out ITransportHeaders responseHeaders, out Stream responseStream)
        {
            next.ProcessMessage(msg, requestHeaders, requestStream, out responseHeaders, out responseStream);
            responseStream = Buffered(responseStream);
        }

        public void AsyncProcessRequest(IClientChannelSinkStack sinkStack, IMessage msg, ITransportHeaders headers,
                                        Stream stream)
        {
            IMethodMessage call = msg as IMethodMessage;
            if (call != null && RemotingServices.IsOneWay(call.MethodBase))
            {
                ITransportHeaders responseHeaders;
                Stream responseStream;
                next.ProcessMessage(msg, headers, stream, out responseHeaders, out responseStream);
                Buffered(responseStream);
                return;
            }
            next.AsyncProcessRequest(sinkStack, msg, headers, stream);
        }

        public void AsyncProcessResponse(IClientResponseChannelSinkStack sinkStack, object state,
                                         ITransportHeaders headers, Stream stream)
        {
            sinkStack.AsyncProcessResponse(headers, stream);
        }

        // The formatter then writes to a MemoryStream: the transport's own request stream would open an
        // HTTP request that ProcessMessage never completes (holding one of the two connections Mono allows).
        public Stream GetRequestStream(IMessage msg, ITransportHeaders headers)
        {
            return null;
        }
    }

    public class MonoFixSinkProvider : IClientChannelSinkProvider
    {
        public IClientChannelSinkProvider Next { get; set; }

        public IClientChannelSink CreateSink(IChannelSender channel, string url, object remoteChannelData)
        {
            return new MonoFixSink(Next.CreateSink(channel, url, remoteChannelData));
        }
    }
}
