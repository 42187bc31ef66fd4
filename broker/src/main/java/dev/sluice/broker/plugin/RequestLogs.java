package dev.sluice.broker.plugin;

import dev.sluice.broker.access.AccessProxy.ReadGrant;
import dev.sluice.proto.v1.QueryRequest;
import dev.sluice.proto.v1.QueryResponse;
import dev.sluice.proto.v1.RequestLogsRequest;
import dev.sluice.proto.v1.RequestLogsResponse;
import io.vertx.core.Future;

/** The history capability: queries over stored records and one request's logs with status. */
public interface RequestLogs {
  /** Runs a query for a reader with {@code grant}; see {@code QueryRequest} for the fields. */
  Future<QueryResponse> query(ReadGrant grant, QueryRequest request);

  /** One request's status and a page of its logs, for a reader with {@code grant}. */
  Future<RequestLogsResponse> requestLogs(ReadGrant grant, RequestLogsRequest request);
}
