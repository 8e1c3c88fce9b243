// A Vulkan layer that shows a process one physical device: the one at index
// EVOGAN_VULKAN_DEVICE in the order the layers below it (the loader, which sorts them) enumerate.
// Why: evogan pins one process to each WebGPU adapter, and Dawn (the npm package `webgpu`) can
// only pick an adapter by a substring of its name, so two identical GPUs cannot be told apart
// there; the Vulkan loader's own filters (VK_LOADER_DEVICE_SELECT, VK_LOADER_DEVICE_ID_FILTER,
// Mesa's device select) go by vendor and device id, which identical GPUs share too. Below Dawn,
// by index, every device can be chosen. An index past the last device leaves none: Dawn then finds
// no adapter, and evogan says so.
//
// It intercepts vkEnumeratePhysicalDevices and vkEnumeratePhysicalDeviceGroups(KHR) and passes
// everything else down the chain (vkCreateInstance and vkCreateDevice advance the chain, as the
// loader's layer interface asks: docs/LoaderLayerInterface.md of KhronosGroup/Vulkan-Loader).
// Enabled per process by the environment (src/compute/vulkan-device-layer.ts):
//   VK_ADD_LAYER_PATH=<folder of VkLayer_evogan_device_index.json>
//   VK_INSTANCE_LAYERS=VK_LAYER_EVOGAN_device_index  EVOGAN_VULKAN_DEVICE=<index>
#include <stdlib.h>
#include <string.h>
#include <vulkan/vk_layer.h>
#include <vulkan/vulkan.h>

#define EXPORT __attribute__((visibility("default")))
#define MAX_OBJECTS 16
#define MAX_DEVICES 64

// What each instance and device needs from the layer below: its dispatch entry points, found by
// the object's dispatch key (the loader's dispatch table pointer, its first word), which every
// handle of that object carries whichever layer hands it on.
typedef struct {
  void* key;
  PFN_vkGetInstanceProcAddr gipa;
  // Resolved once, when the instance is made (as layers do): the functions below this layer.
  PFN_vkDestroyInstance destroy;
  PFN_vkEnumeratePhysicalDevices enumerate;
  PFN_vkEnumeratePhysicalDeviceGroups groups;
  PFN_vkEnumeratePhysicalDeviceGroupsKHR groupsKHR;
} InstanceEntry;
typedef struct {
  void* key;
  PFN_vkGetDeviceProcAddr gdpa;
} DeviceEntry;
static InstanceEntry instances[MAX_OBJECTS];
static DeviceEntry devices[MAX_OBJECTS];

static void* dispatch_key(const void* handle) { return handle ? *(void* const*)handle : NULL; }

static InstanceEntry* instance_entry(VkInstance instance) {
  void* key = dispatch_key(instance);
  for (int i = 0; i < MAX_OBJECTS; i++)
    if (key && instances[i].key == key) return &instances[i];
  return NULL;
}

static PFN_vkGetDeviceProcAddr next_gdpa(VkDevice device) {
  void* key = dispatch_key(device);
  for (int i = 0; i < MAX_OBJECTS; i++)
    if (key && devices[i].key == key) return devices[i].gdpa;
  return NULL;
}

/** The chosen index, or -1 when EVOGAN_VULKAN_DEVICE is unset or not a number (then nothing is filtered). */
static long chosen_index(void) {
  const char* s = getenv("EVOGAN_VULKAN_DEVICE");
  if (s == NULL || *s == '\0') return -1;
  char* end;
  long v = strtol(s, &end, 10);
  return (*end == '\0' && v >= 0) ? v : -1;
}

static VKAPI_ATTR VkResult VKAPI_CALL CreateInstance(const VkInstanceCreateInfo* info, const VkAllocationCallbacks* alloc, VkInstance* out) {
  VkLayerInstanceCreateInfo* link = (VkLayerInstanceCreateInfo*)info->pNext;
  while (link && !(link->sType == VK_STRUCTURE_TYPE_LOADER_INSTANCE_CREATE_INFO && link->function == VK_LAYER_LINK_INFO)) link = (VkLayerInstanceCreateInfo*)link->pNext;
  if (link == NULL) return VK_ERROR_INITIALIZATION_FAILED;
  PFN_vkGetInstanceProcAddr gipa = link->u.pLayerInfo->pfnNextGetInstanceProcAddr;
  link->u.pLayerInfo = link->u.pLayerInfo->pNext;
  PFN_vkCreateInstance create = (PFN_vkCreateInstance)gipa(VK_NULL_HANDLE, "vkCreateInstance");
  VkResult r = create(info, alloc, out);
  if (r != VK_SUCCESS) return r;
  for (int i = 0; i < MAX_OBJECTS; i++) {
    if (instances[i].key == NULL) {
      InstanceEntry* e = &instances[i];
      e->key = dispatch_key(*out);
      e->gipa = gipa;
      e->destroy = (PFN_vkDestroyInstance)gipa(*out, "vkDestroyInstance");
      e->enumerate = (PFN_vkEnumeratePhysicalDevices)gipa(*out, "vkEnumeratePhysicalDevices");
      e->groups = (PFN_vkEnumeratePhysicalDeviceGroups)gipa(*out, "vkEnumeratePhysicalDeviceGroups");
      e->groupsKHR = (PFN_vkEnumeratePhysicalDeviceGroupsKHR)gipa(*out, "vkEnumeratePhysicalDeviceGroupsKHR");
      return VK_SUCCESS;
    }
  }
  return VK_ERROR_INITIALIZATION_FAILED;
}

static VKAPI_ATTR void VKAPI_CALL DestroyInstance(VkInstance instance, const VkAllocationCallbacks* alloc) {
  InstanceEntry* e = instance_entry(instance);
  if (e == NULL) return;
  PFN_vkDestroyInstance destroy = e->destroy;
  e->key = NULL;
  destroy(instance, alloc);
}

/** Every physical device the layers below list (at most MAX_DEVICES), in their order. */
static VkResult all_devices(VkInstance instance, uint32_t* n, VkPhysicalDevice* out) {
  *n = MAX_DEVICES;
  VkResult r = instance_entry(instance)->enumerate(instance, n, out);
  return r == VK_INCOMPLETE ? VK_SUCCESS : r;
}

static VKAPI_ATTR VkResult VKAPI_CALL EnumeratePhysicalDevices(VkInstance instance, uint32_t* count, VkPhysicalDevice* out) {
  long want = chosen_index();
  if (instance_entry(instance) == NULL) return VK_ERROR_INITIALIZATION_FAILED;
  if (want < 0) return instance_entry(instance)->enumerate(instance, count, out);
  VkPhysicalDevice all[MAX_DEVICES];
  uint32_t n;
  VkResult r = all_devices(instance, &n, all);
  if (r != VK_SUCCESS) return r;
  uint32_t have = want < (long)n ? 1 : 0;
  if (out == NULL) {
    *count = have;
    return VK_SUCCESS;
  }
  if (have == 0) {
    *count = 0;
    return VK_SUCCESS;
  }
  if (*count < 1) return VK_INCOMPLETE;
  out[0] = all[want];
  *count = 1;
  return VK_SUCCESS;
}

/** vkEnumeratePhysicalDeviceGroups and its KHR alias (`next`): one group holding only the chosen device. */
static VkResult enumerate_groups(PFN_vkEnumeratePhysicalDeviceGroups next, VkInstance instance, uint32_t* count, VkPhysicalDeviceGroupProperties* out) {
  if (next == NULL) return VK_ERROR_INITIALIZATION_FAILED;
  long want = chosen_index();
  if (want < 0) return next(instance, count, out);
  VkPhysicalDevice all[MAX_DEVICES];
  uint32_t n;
  VkResult r = all_devices(instance, &n, all);
  if (r != VK_SUCCESS) return r;
  uint32_t have = want < (long)n ? 1 : 0;
  if (out == NULL || have == 0) {
    *count = have;
    return VK_SUCCESS;
  }
  if (*count < 1) return VK_INCOMPLETE;
  // The caller's sType and pNext stay; the group is the device alone.
  out[0].physicalDeviceCount = 1;
  memset(out[0].physicalDevices, 0, sizeof(out[0].physicalDevices));
  out[0].physicalDevices[0] = all[want];
  out[0].subsetAllocation = VK_FALSE;
  *count = 1;
  return VK_SUCCESS;
}

static VKAPI_ATTR VkResult VKAPI_CALL EnumeratePhysicalDeviceGroups(VkInstance instance, uint32_t* count, VkPhysicalDeviceGroupProperties* out) {
  InstanceEntry* e = instance_entry(instance);
  return enumerate_groups(e ? e->groups : NULL, instance, count, out);
}

static VKAPI_ATTR VkResult VKAPI_CALL EnumeratePhysicalDeviceGroupsKHR(VkInstance instance, uint32_t* count, VkPhysicalDeviceGroupProperties* out) {
  InstanceEntry* e = instance_entry(instance);
  return enumerate_groups(e ? e->groupsKHR : NULL, instance, count, out);
}

static VKAPI_ATTR VkResult VKAPI_CALL CreateDevice(VkPhysicalDevice physical, const VkDeviceCreateInfo* info, const VkAllocationCallbacks* alloc, VkDevice* out) {
  VkLayerDeviceCreateInfo* link = (VkLayerDeviceCreateInfo*)info->pNext;
  while (link && !(link->sType == VK_STRUCTURE_TYPE_LOADER_DEVICE_CREATE_INFO && link->function == VK_LAYER_LINK_INFO)) link = (VkLayerDeviceCreateInfo*)link->pNext;
  if (link == NULL) return VK_ERROR_INITIALIZATION_FAILED;
  PFN_vkGetInstanceProcAddr gipa = link->u.pLayerInfo->pfnNextGetInstanceProcAddr;
  PFN_vkGetDeviceProcAddr gdpa = link->u.pLayerInfo->pfnNextGetDeviceProcAddr;
  link->u.pLayerInfo = link->u.pLayerInfo->pNext;
  PFN_vkCreateDevice create = (PFN_vkCreateDevice)gipa(VK_NULL_HANDLE, "vkCreateDevice");
  VkResult r = create(physical, info, alloc, out);
  if (r != VK_SUCCESS) return r;
  for (int i = 0; i < MAX_OBJECTS; i++) {
    if (devices[i].key == NULL) {
      devices[i].key = dispatch_key(*out);
      devices[i].gdpa = gdpa;
      return VK_SUCCESS;
    }
  }
  return VK_ERROR_INITIALIZATION_FAILED;
}

static VKAPI_ATTR void VKAPI_CALL DestroyDevice(VkDevice device, const VkAllocationCallbacks* alloc) {
  PFN_vkGetDeviceProcAddr gdpa = next_gdpa(device);
  void* key = dispatch_key(device);
  for (int i = 0; i < MAX_OBJECTS; i++)
    if (key && devices[i].key == key) devices[i].key = NULL;
  if (gdpa) ((PFN_vkDestroyDevice)gdpa(device, "vkDestroyDevice"))(device, alloc);
}

EXPORT VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL evogan_GetDeviceProcAddr(VkDevice device, const char* name) {
  if (strcmp(name, "vkGetDeviceProcAddr") == 0) return (PFN_vkVoidFunction)evogan_GetDeviceProcAddr;
  if (strcmp(name, "vkDestroyDevice") == 0) return (PFN_vkVoidFunction)DestroyDevice;
  PFN_vkGetDeviceProcAddr gdpa = next_gdpa(device);
  return gdpa ? gdpa(device, name) : NULL;
}

EXPORT VKAPI_ATTR PFN_vkVoidFunction VKAPI_CALL evogan_GetInstanceProcAddr(VkInstance instance, const char* name) {
  if (strcmp(name, "vkGetInstanceProcAddr") == 0) return (PFN_vkVoidFunction)evogan_GetInstanceProcAddr;
  if (strcmp(name, "vkCreateInstance") == 0) return (PFN_vkVoidFunction)CreateInstance;
  if (strcmp(name, "vkDestroyInstance") == 0) return (PFN_vkVoidFunction)DestroyInstance;
  if (strcmp(name, "vkEnumeratePhysicalDevices") == 0) return (PFN_vkVoidFunction)EnumeratePhysicalDevices;
  if (strcmp(name, "vkEnumeratePhysicalDeviceGroups") == 0) return (PFN_vkVoidFunction)EnumeratePhysicalDeviceGroups;
  if (strcmp(name, "vkEnumeratePhysicalDeviceGroupsKHR") == 0) return (PFN_vkVoidFunction)EnumeratePhysicalDeviceGroupsKHR;
  if (strcmp(name, "vkCreateDevice") == 0) return (PFN_vkVoidFunction)CreateDevice;
  if (strcmp(name, "vkGetDeviceProcAddr") == 0) return (PFN_vkVoidFunction)evogan_GetDeviceProcAddr;
  if (strcmp(name, "vkDestroyDevice") == 0) return (PFN_vkVoidFunction)DestroyDevice;
  InstanceEntry* e = instance_entry(instance);
  return e ? e->gipa(instance, name) : NULL;
}

EXPORT VKAPI_ATTR VkResult VKAPI_CALL evogan_NegotiateLoaderLayerInterfaceVersion(VkNegotiateLayerInterface* v) {
  if (v->sType != LAYER_NEGOTIATE_INTERFACE_STRUCT) return VK_ERROR_INITIALIZATION_FAILED;
  if (v->loaderLayerInterfaceVersion > 2) v->loaderLayerInterfaceVersion = 2;
  v->pfnGetInstanceProcAddr = evogan_GetInstanceProcAddr;
  v->pfnGetDeviceProcAddr = evogan_GetDeviceProcAddr;
  v->pfnGetPhysicalDeviceProcAddr = NULL;
  return VK_SUCCESS;
}
