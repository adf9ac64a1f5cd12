# Sends N GET requests over 4 keep-alive connections to 127.0.0.1:PORT (bench/instructions.sh).
import socket, sys, threading
port=int(sys.argv[1]); n=int(sys.argv[2]); path=sys.argv[3]; conns=4
req=(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").encode()
def worker(count):
    s=socket.create_connection(("127.0.0.1",port))
    buf=b""
    for _ in range(count):
        s.sendall(req)
        # read one response (content-length framed)
        while True:
            i=buf.find(b"\r\n\r\n")
            if i>=0:
                head=buf[:i].decode('latin1').lower()
                cl=0
                for line in head.split("\r\n"):
                    if line.startswith("content-length:"): cl=int(line.split(":")[1])
                if len(buf)>=i+4+cl:
                    buf=buf[i+4+cl:]; break
            d=s.recv(65536)
            if not d: raise SystemExit("closed")
            buf+=d
    s.close()
ts=[threading.Thread(target=worker,args=(n//conns,)) for _ in range(conns)]
[t.start() for t in ts]; [t.join() for t in ts]
