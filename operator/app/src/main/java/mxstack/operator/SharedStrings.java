package mxstack.operator;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;

/**
 * Makes the Kubernetes client share one copy of each short string it reads. The informers keep
 * every object the operator watches; across those objects the same names, namespaces, label values,
 * images, mount paths, port names and owner UIDs recur dozens of times per MatrixDeployment, and
 * without this each occurrence is a string of its own (with their bytes, a third of the live heap
 * at 200 MatrixDeployments, see docs/kubernetes.md). Long values (config files, keys) are left
 * alone.
 */
@Singleton
public class SharedStrings implements KubernetesClientObjectMapperCustomizer {

  /** Strings up to this many characters are shared; longer ones rarely repeat. */
  static final int MAX_SHARED_LENGTH = 96;

  @Override
  public void customize(ObjectMapper mapper) {
    mapper.registerModule(
        new SimpleModule("mxstack-shared-strings")
            .addDeserializer(String.class, new SharedStringDeserializer()));
  }

  /** Reads a string as Jackson does and returns the JVM's shared copy of it when it is short. */
  static final class SharedStringDeserializer extends StdScalarDeserializer<String> {
    private static final long serialVersionUID = 1L;

    SharedStringDeserializer() {
      super(String.class);
    }

    @Override
    public String deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      return share(StringDeserializer.instance.deserialize(parser, context));
    }

    static String share(String value) {
      return value != null && value.length() <= MAX_SHARED_LENGTH ? value.intern() : value;
    }
  }
}
