.class public final Lcom/example/flashlight/PluginLoader;
.super Ljava/lang/Object;
.source "PluginLoader.java"

# Loads assets/plugin.apk (copied to files/) with a DexClassLoader: code the manifest never mentions.

.method public static load(Landroid/content/Context;)Ljava/lang/ClassLoader;
    .registers 6
    new-instance v0, Ldalvik/system/DexClassLoader;
    invoke-virtual {p0}, Landroid/content/Context;->getFilesDir()Ljava/io/File;
    move-result-object v1
    invoke-virtual {v1}, Ljava/io/File;->getPath()Ljava/lang/String;
    move-result-object v1
    const-string v2, "/plugin.apk"
    invoke-virtual {v1, v2}, Ljava/lang/String;->concat(Ljava/lang/String;)Ljava/lang/String;
    move-result-object v1
    const/4 v2, 0x0
    invoke-virtual {p0}, Landroid/content/Context;->getClassLoader()Ljava/lang/ClassLoader;
    move-result-object v3
    invoke-direct {v0, v1, v2, v2, v3}, Ldalvik/system/DexClassLoader;-><init>(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;Ljava/lang/ClassLoader;)V
    return-object v0
.end method
