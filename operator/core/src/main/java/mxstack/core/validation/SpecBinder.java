package mxstack.core.validation;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the spec records from a tree that {@link StructureValidator} has accepted: the values
 * Jackson's {@code convertValue} would build, without its start-up cost, which dominated every
 * Cloudron planning step (a process of its own, so always cold). The structure check has already
 * refused every unknown field, wrong type and bad enum value, so binding cannot fail on input.
 * {@code SpecBinderTest} holds the two to the same results.
 */
final class SpecBinder {

  private static final Map<Class<?>, Constructor<?>> CONSTRUCTORS = new ConcurrentHashMap<>();

  private SpecBinder() {}

  /** The value of {@code type} that the validated tree describes. */
  static <T> T bind(Object tree, Class<T> type) {
    return type.cast(value(tree, type));
  }

  @SuppressWarnings("unchecked")
  private static Object value(Object node, Type type) {
    if (node == null) {
      return null;
    }
    Class<?> raw = raw(type);
    if (raw.isRecord()) {
      return record((Map<String, Object>) node, raw);
    }
    if (List.class.isAssignableFrom(raw)) {
      Type element = argument(type, 0);
      List<Object> list = new ArrayList<>();
      for (Object item : (List<Object>) node) {
        list.add(value(item, element));
      }
      return list;
    }
    if (Map.class.isAssignableFrom(raw)) {
      Type valueType = argument(type, 1);
      Map<String, Object> map = new LinkedHashMap<>();
      ((Map<String, Object>) node).forEach((k, v) -> map.put(k, value(v, valueType)));
      return map;
    }
    if (raw.isEnum()) {
      return constant(raw, (String) node);
    }
    if (raw == Object.class) {
      return freeForm(node);
    }
    return node; // String, Integer, Boolean: the structure check made sure of the type
  }

  private static Object record(Map<String, Object> node, Class<?> type) {
    RecordComponent[] components = type.getRecordComponents();
    Object[] arguments = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      arguments[i] = value(node.get(components[i].getName()), components[i].getGenericType());
    }
    try {
      return CONSTRUCTORS.computeIfAbsent(type, SpecBinder::canonical).newInstance(arguments);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
    }
  }

  private static Constructor<?> canonical(Class<?> type) {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] parameterTypes = new Class<?>[components.length];
    for (int i = 0; i < components.length; i++) {
      parameterTypes[i] = components[i].getType();
    }
    try {
      return type.getDeclaredConstructor(parameterTypes);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException(type.getSimpleName() + " has no canonical constructor", e);
    }
  }

  private static Object constant(Class<?> type, String wireName) {
    for (Object constant : type.getEnumConstants()) {
      Enum<?> e = (Enum<?>) constant;
      try {
        JsonProperty property = type.getField(e.name()).getAnnotation(JsonProperty.class);
        String name = property != null ? property.value() : e.name();
        if (name.equals(wireName)) {
          return constant;
        }
      } catch (NoSuchFieldException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
    throw new IllegalStateException(wireName + " is not a " + type.getSimpleName());
  }

  /** Free-form values (additionalConfig) as fresh maps and lists, scalars as they are. */
  @SuppressWarnings("unchecked")
  private static Object freeForm(Object node) {
    if (node instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      ((Map<String, Object>) map).forEach((k, v) -> copy.put(k, freeForm(v)));
      return copy;
    }
    if (node instanceof List<?> list) {
      List<Object> copy = new ArrayList<>();
      list.forEach(item -> copy.add(freeForm(item)));
      return copy;
    }
    return node;
  }

  private static Class<?> raw(Type type) {
    return type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
  }

  private static Type argument(Type type, int index) {
    return type instanceof ParameterizedType p ? p.getActualTypeArguments()[index] : Object.class;
  }
}
