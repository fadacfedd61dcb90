// lambda-local's HTTP/1.1 client: one keep-alive connection to one server.
#pragma once

#include "runtime/http/message.hpp"
#include "runtime/util/fd.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace lambda_local::runtime::http {

class MessageReader;

// Sends requests one at a time over one connection, reconnecting when the server has closed it.
class Client {
  public:
    // `host` is an address or a name ("127.0.0.1", "localhost"); nothing connects yet.
    Client(std::string host, int port);
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client();

    // Sends one request (with an explicit Content-Length) and reads the answer.
    // `timeout` zero waits forever (a Runtime API /next). Throws lambda_local::Error when the
    // server cannot be reached or its answer cannot be read: "127.0.0.1:9001: connect failed:
    // Connection refused".
    Response request(std::string_view method, std::string_view target,
                     const HeaderList& headers = {}, std::string_view body = {},
                     std::chrono::milliseconds timeout = {});

    // A request whose body goes in pieces as they come (Transfer-Encoding: chunked; a Runtime
    // API's streamed /response): open_chunked() sends the head, send_chunk() each piece,
    // finish_chunked() the last chunk with `trailers` (declare them in a Trailer header), then
    // reads the answer. Each throws lambda_local::Error as request() does; no other request
    // may be made until finish_chunked() returned or threw.
    void open_chunked(std::string_view method, std::string_view target,
                      const HeaderList& headers = {});
    void send_chunk(std::string_view bytes);
    Response finish_chunked(const HeaderList& trailers = {},
                            std::chrono::milliseconds timeout = {});

  private:
    void connect();
    std::string head(std::string_view method, std::string_view target, const HeaderList& headers);
    std::string where() const;
    std::string m_host;
    int m_port;
    Fd m_socket;
    std::unique_ptr<MessageReader> m_reader;
};

} // namespace lambda_local::runtime::http
