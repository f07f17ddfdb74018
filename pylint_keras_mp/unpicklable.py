"""Callables whose results cannot be pickled into spawn/forkserver workers (KMP202).

One line per constructor: qualified name -> what the result is, as the message names it.
Users extend it with the ``unpicklable-constructors`` option.
"""

from __future__ import annotations

_FILE = "an open file"
_LOCK = "a lock"
_QUEUE = "a queue"
_POOL = "a pool"

UNPICKLABLE_CONSTRUCTORS: dict[str, str] = {
    # files and streams
    "builtins.open": _FILE,
    "io.open": _FILE,
    "io.FileIO": _FILE,
    "io.open_code": _FILE,
    "codecs.open": _FILE,
    "gzip.open": _FILE,
    "gzip.GzipFile": _FILE,
    "bz2.open": _FILE,
    "bz2.BZ2File": _FILE,
    "lzma.open": _FILE,
    "lzma.LZMAFile": _FILE,
    "tempfile.TemporaryFile": _FILE,
    "tempfile.NamedTemporaryFile": _FILE,
    "mmap.mmap": "a memory map",
    "zipfile.ZipFile": "an open zip archive",
    "tarfile.open": "an open tar archive",
    "tarfile.TarFile": "an open tar archive",
    "h5py.File": "an open HDF5 file",
    "logging.FileHandler": "a logging handler (it holds a stream and a lock)",
    "logging.StreamHandler": "a logging handler (it holds a stream and a lock)",
    "subprocess.Popen": "a subprocess handle",
    # locks and synchronisation
    "threading.Lock": _LOCK,
    "threading.RLock": _LOCK,
    "threading.Condition": "a condition variable",
    "threading.Event": "an event",
    "threading.Semaphore": "a semaphore",
    "threading.BoundedSemaphore": "a semaphore",
    "threading.Barrier": "a barrier",
    "threading.Thread": "a thread",
    "multiprocessing.Lock": _LOCK,
    "multiprocessing.RLock": _LOCK,
    "multiprocessing.Condition": "a condition variable",
    "multiprocessing.Event": "an event",
    "multiprocessing.Semaphore": "a semaphore",
    "multiprocessing.BoundedSemaphore": "a semaphore",
    "multiprocessing.Barrier": "a barrier",
    "multiprocessing.Queue": _QUEUE,
    "multiprocessing.JoinableQueue": _QUEUE,
    "multiprocessing.SimpleQueue": _QUEUE,
    "multiprocessing.Manager": "a multiprocessing manager",
    "multiprocessing.Pool": _POOL,
    "multiprocessing.pool.Pool": _POOL,
    "multiprocessing.pool.ThreadPool": _POOL,
    "queue.Queue": _QUEUE,
    "queue.LifoQueue": _QUEUE,
    "queue.PriorityQueue": _QUEUE,
    "queue.SimpleQueue": _QUEUE,
    "concurrent.futures.ThreadPoolExecutor": "an executor",
    "concurrent.futures.ProcessPoolExecutor": "an executor",
    # sockets and database clients
    "socket.socket": "a socket",
    "socket.create_connection": "a socket",
    "sqlite3.connect": "a database connection",
    "psycopg2.connect": "a database connection",
    "psycopg.connect": "a database connection",
    "pymysql.connect": "a database connection",
    "MySQLdb.connect": "a database connection",
    "mysql.connector.connect": "a database connection",
    "duckdb.connect": "a database connection",
    "lmdb.open": "an LMDB environment",
    "pymongo.MongoClient": "a database client",
    "redis.Redis": "a database client",
    "redis.StrictRedis": "a database client",
    "sqlalchemy.create_engine": "a database engine (it holds a connection pool)",
    "boto3.client": "a boto3 client",
    "boto3.resource": "a boto3 resource",
    # media and progress bars
    "cv2.VideoCapture": "a video capture handle",
    "tqdm.tqdm": "a tqdm progress bar (it holds its output stream)",
    "tqdm.trange": "a tqdm progress bar (it holds its output stream)",
    "tqdm.auto.tqdm": "a tqdm progress bar (it holds its output stream)",
    "tqdm.auto.trange": "a tqdm progress bar (it holds its output stream)",
    "tqdm.notebook.tqdm": "a tqdm progress bar (it holds its output stream)",
}

# Methods that turn a tf.data.Dataset into a Python iterator (which holds a generator).
DATASET_ITERATOR_METHODS = frozenset({"as_numpy_iterator", "make_one_shot_iterator", "__iter__"})
# ImageDataGenerator(...).flow*(...) iterators hold a lock and a generator.
IMAGE_GENERATOR_FLOWS = frozenset({"flow", "flow_from_directory", "flow_from_dataframe"})
# The legacy image iterator classes (keras.preprocessing.image, tf.keras, tf_keras,
# keras.src.legacy.preprocessing.image, keras_preprocessing.image): instances hold the same lock.
IMAGE_ITERATOR_CLASSES = frozenset(
    {"Iterator", "NumpyArrayIterator", "DirectoryIterator", "DataFrameIterator"}
)
IMAGE_ITERATOR_MODULE = "preprocessing.image"
IMAGE_ITERATOR_ROOTS = frozenset({"keras", "tensorflow", "tf_keras", "keras_preprocessing"})
