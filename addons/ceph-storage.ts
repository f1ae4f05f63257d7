// CephStorage: the Rook operator and a CephCluster, with block (RBD), filesystem (CephFS) and
// object (RGW) storage classes, and S3 users whose keys are generated here and kept secret.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { addonNamespace, AddonChartArgs, addonRelease } from "./helm";
import { registry } from "./registry";

export interface CephNode {
    name: string;
    devices: string[];
    deviceFilter?: string;
}

export interface CephStorageArgs extends AddonChartArgs {
    mons: number;
    /** Copies of every object; the failure domain is the host. */
    replication: number;
    useAllNodes: boolean;
    deviceFilter?: string;
    nodes: CephNode[];
    block: { enabled: boolean; defaultClass: boolean };
    filesystem: { enabled: boolean };
    object: { enabled: boolean; users: string[] };
    /** prod: the cluster, its pools and their data survive a destroy or a replace. */
    protectData: boolean;
    cephImage?: string;
}

export interface S3Credentials {
    accessKey: pulumi.Output<string>;
    secretKey: pulumi.Output<string>;
}

export const cephStorageClasses = { block: "ceph-block", filesystem: "ceph-filesystem", object: "ceph-bucket" };
const clusterName = "rook-ceph";
/** The Ceph release Rook v1.17.9's own examples run (Squid). */
export const defaultCephImage = "quay.io/ceph/ceph:v19.2.3";
const objectStore = "objectstore";

/** The CephCluster's spec: mons and mgrs, the dashboard, and which nodes' devices Ceph takes. */
export function cephClusterSpec(args: CephStorageArgs) {
    return {
        cephVersion: { image: args.cephImage ?? defaultCephImage },
        dataDirHostPath: "/var/lib/rook",
        mon: { count: args.mons, allowMultiplePerNode: false },
        mgr: { count: args.mons > 1 ? 2 : 1 },
        dashboard: { enabled: true, ssl: true },
        storage: {
            useAllNodes: args.useAllNodes,
            useAllDevices: false,
            ...(args.deviceFilter ? { deviceFilter: args.deviceFilter } : {}),
            nodes: args.nodes.map((n) => ({
                name: n.name,
                ...(n.devices.length ? { devices: n.devices.map((d) => ({ name: d })) } : {}),
                ...(n.deviceFilter ? { deviceFilter: n.deviceFilter } : {}),
            })),
        },
    };
}

/** The CSI driver's Secrets, as a Rook storage class names them. */
const csiSecrets = (driver: "rbd" | "cephfs", namespace: pulumi.Output<string>) => ({
    "csi.storage.k8s.io/provisioner-secret-name": `rook-csi-${driver}-provisioner`,
    "csi.storage.k8s.io/provisioner-secret-namespace": namespace,
    "csi.storage.k8s.io/controller-expand-secret-name": `rook-csi-${driver}-provisioner`,
    "csi.storage.k8s.io/controller-expand-secret-namespace": namespace,
    "csi.storage.k8s.io/node-stage-secret-name": `rook-csi-${driver}-node`,
    "csi.storage.k8s.io/node-stage-secret-namespace": namespace,
});

/** What each kind of storage is built from: the cluster it lives in, and how its data is kept. */
interface StorageContext {
    name: string;
    args: CephStorageArgs;
    namespace: pulumi.Output<string>;
    cluster: pulumi.Resource;
    keep: pulumi.CustomResourceOptions;
    replicated: { size: number; requireSafeReplicaSize: boolean };
    reclaimPolicy: string;
}

export class CephStorage extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly storageClasses: pulumi.Output<string[]>;
    readonly s3Endpoint?: pulumi.Output<string>;
    readonly s3Users: Record<string, S3Credentials> = {};

    constructor(name: string, args: CephStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kubestrap:addons:CephStorage", name, {}, opts);
        const addon = registry["rook-ceph"];
        const ns = addonNamespace(addon, this);
        const namespace = ns.metadata.name;
        const keep: pulumi.CustomResourceOptions = { protect: args.protectData, retainOnDelete: args.protectData };
        const operator = addonRelease({
            addon, chart: "rook-ceph", namespace, args,
            values: { crds: { enabled: true }, monitoring: { enabled: false }, csi: { enableCephfsDriver: args.filesystem.enabled } },
        }, { parent: this, dependsOn: [ns] });
        const cluster = new k8s.apiextensions.CustomResource(`${name}-cluster`, {
            apiVersion: "ceph.rook.io/v1",
            kind: "CephCluster",
            metadata: { name: clusterName, namespace },
            spec: cephClusterSpec(args),
        }, { parent: this, dependsOn: [operator], ...keep });

        const context: StorageContext = {
            name, args, namespace, cluster, keep,
            replicated: { size: args.replication, requireSafeReplicaSize: args.replication > 1 },
            reclaimPolicy: args.protectData ? "Retain" : "Delete",
        };
        const classes: k8s.storage.v1.StorageClass[] = [];
        if (args.block.enabled) {
            classes.push(this.blockStorage(context));
        }
        if (args.filesystem.enabled) {
            classes.push(this.filesystemStorage(context));
        }
        if (args.object.enabled) {
            const object = this.objectStorage(context);
            classes.push(object.storageClass);
            this.s3Endpoint = object.s3Endpoint;
        }

        this.namespace = namespace;
        this.storageClasses = pulumi.all(classes.map((c) => c.metadata.name));
        this.registerOutputs({ namespace: this.namespace, storageClasses: this.storageClasses, s3Endpoint: this.s3Endpoint });
    }

    /** Block storage (RBD): a replicated pool and its storage class. */
    private blockStorage({ name, args, namespace, cluster, keep, replicated, reclaimPolicy }: StorageContext): k8s.storage.v1.StorageClass {
        const pool = new k8s.apiextensions.CustomResource(`${name}-block-pool`, {
            apiVersion: "ceph.rook.io/v1",
            kind: "CephBlockPool",
            metadata: { name: "replicapool", namespace },
            spec: { failureDomain: "host", replicated },
        }, { parent: this, dependsOn: [cluster], ...keep });
        return new k8s.storage.v1.StorageClass(`${name}-block-class`, {
            metadata: {
                name: cephStorageClasses.block,
                annotations: { "storageclass.kubernetes.io/is-default-class": String(args.block.defaultClass) },
            },
            provisioner: "rook-ceph.rbd.csi.ceph.com",
            parameters: {
                clusterID: namespace, pool: "replicapool", imageFormat: "2", imageFeatures: "layering",
                "csi.storage.k8s.io/fstype": "ext4", ...csiSecrets("rbd", namespace),
            },
            reclaimPolicy, allowVolumeExpansion: true,
        }, { parent: this, dependsOn: [pool] });
    }

    /** A shared filesystem (CephFS) and its storage class. */
    private filesystemStorage({ name, args, namespace, cluster, keep, replicated, reclaimPolicy }: StorageContext): k8s.storage.v1.StorageClass {
        const fs = new k8s.apiextensions.CustomResource(`${name}-filesystem`, {
            apiVersion: "ceph.rook.io/v1",
            kind: "CephFilesystem",
            metadata: { name: "cephfs", namespace },
            spec: {
                metadataPool: { replicated },
                dataPools: [{ name: "data0", replicated }],
                preserveFilesystemOnDelete: args.protectData,
                metadataServer: { activeCount: 1, activeStandby: true },
            },
        }, { parent: this, dependsOn: [cluster], ...keep });
        return new k8s.storage.v1.StorageClass(`${name}-filesystem-class`, {
            metadata: { name: cephStorageClasses.filesystem },
            provisioner: "rook-ceph.cephfs.csi.ceph.com",
            parameters: { clusterID: namespace, fsName: "cephfs", pool: "cephfs-data0", ...csiSecrets("cephfs", namespace) },
            reclaimPolicy, allowVolumeExpansion: true,
        }, { parent: this, dependsOn: [fs] });
    }

    /** Object storage (RGW): the store, its bucket class, the S3 endpoint and each S3 user. */
    private objectStorage({ name, args, namespace, cluster, keep, replicated, reclaimPolicy }: StorageContext) {
        const store = new k8s.apiextensions.CustomResource(`${name}-object-store`, {
            apiVersion: "ceph.rook.io/v1",
            kind: "CephObjectStore",
            metadata: { name: objectStore, namespace },
            spec: {
                metadataPool: { failureDomain: "host", replicated },
                dataPool: { failureDomain: "host", replicated },
                preservePoolsOnDelete: args.protectData,
                gateway: { port: 80, instances: 1 },
            },
        }, { parent: this, dependsOn: [cluster], ...keep });
        const storageClass = new k8s.storage.v1.StorageClass(`${name}-object-class`, {
            metadata: { name: cephStorageClasses.object },
            provisioner: `${clusterName}.ceph.rook.io/bucket`,
            parameters: { objectStoreName: objectStore, objectStoreNamespace: namespace },
            reclaimPolicy,
        }, { parent: this, dependsOn: [store] });
        for (const user of args.object.users) {
            this.s3Users[user] = this.objectUser(name, user, namespace, store);
        }
        return { storageClass, s3Endpoint: pulumi.interpolate`http://rook-ceph-rgw-${objectStore}.${namespace}.svc` };
    }

    /**
     * An S3 user whose keys kubestrap makes. Rook (1.17 and later) takes them from the Secret
     * that `spec.keys` points at, and writes them, with the endpoint, into its own
     * `rook-ceph-object-user-<store>-<user>` Secret. Our Secret has another name: Rook owns that one.
     */
    private objectUser(name: string, user: string, namespace: pulumi.Output<string>, store: pulumi.Resource): S3Credentials {
        // An access key looks like AWS's (upper case and digits); the secret key is letters and digits.
        const accessKey = new random.RandomPassword(`${name}-s3-${user}-access-key`, { length: 20, lower: false, special: false }, { parent: this });
        const secretKey = new random.RandomPassword(`${name}-s3-${user}-secret-key`, { length: 40, special: false }, { parent: this });
        const keys = new k8s.core.v1.Secret(`${name}-s3-${user}-keys`, {
            metadata: { name: s3KeysSecretName(user), namespace },
            stringData: { [s3KeyFields.accessKey]: accessKey.result, [s3KeyFields.secretKey]: secretKey.result },
        }, { parent: this });
        new k8s.apiextensions.CustomResource(`${name}-s3-${user}`, {
            apiVersion: "ceph.rook.io/v1",
            kind: "CephObjectStoreUser",
            metadata: { name: user, namespace },
            spec: {
                store: objectStore,
                displayName: user,
                keys: [{
                    accessKeyRef: { name: keys.metadata.name, key: s3KeyFields.accessKey },
                    secretKeyRef: { name: keys.metadata.name, key: s3KeyFields.secretKey },
                }],
            },
        }, { parent: this, dependsOn: [store, keys] });
        return { accessKey: pulumi.secret(accessKey.result), secretKey: pulumi.secret(secretKey.result) };
    }
}

/** The Secret kubestrap keeps an S3 user's keys in (not Rook's own `rook-ceph-object-user-*`). */
export const s3KeysSecretName = (user: string) => `s3-user-${user}-keys`;
export const s3KeyFields = { accessKey: "access-key", secretKey: "secret-key" };
