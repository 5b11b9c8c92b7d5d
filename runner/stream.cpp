// TCP streams with a bounded, coalescing write queue (stream.h).
#include "runner/stream.h"

#include <asio/write.hpp>
#include <fmt/format.h>

namespace bftsim::runner {

Stream::Stream(asio::ip::tcp::socket socket, std::size_t write_queue_bytes_max)
    : socket_(std::move(socket)), write_queue_bytes_max_(write_queue_bytes_max) {
  asio::error_code ec;
  const auto endpoint = socket_.remote_endpoint(ec);
  remote_ = ec ? "?" : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
}

void Stream::start(Handlers handlers) {
  handlers_ = std::move(handlers);
  read_more();
}

void Stream::read_more() {
  if (!open_) return;
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](const asio::error_code& ec, std::size_t size) {
                            if (!self->open_) return;
                            if (ec) return self->close(ec == asio::error::eof ? "closed by the other side" : ec.message());
                            if (self->handlers_.on_data)
                              self->handlers_.on_data(std::span<const std::uint8_t>(self->read_buffer_.data(), size));
                            self->read_more();
                          });
}

void Stream::write(std::span<const std::uint8_t> bytes) {
  if (!open_ || bytes.empty()) return;
  if (queued_bytes() + bytes.size() > write_queue_bytes_max_)
    return close(fmt::format("write queue over {} bytes (the other side does not read)", write_queue_bytes_max_));
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  if (!writing_) write_more();
}

void Stream::write_more() {
  if (!open_ || pending_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  in_flight_.swap(pending_);
  pending_.clear();
  asio::async_write(socket_, asio::buffer(in_flight_),
                    [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                      self->in_flight_.clear();
                      if (!self->open_) return;
                      if (ec) return self->close(ec.message());
                      self->write_more();
                    });
}

void Stream::close(const std::string& why) {
  if (!open_) return;
  open_ = false;
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  pending_.clear();
  if (handlers_.on_close) handlers_.on_close(why);
}

}  // namespace bftsim::runner
